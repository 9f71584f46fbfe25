/**
 * The SSH hosts harness (test/helpers/ssh-hosts.ts) that the fleet's tests stand on: real OpenSSH
 * servers in network namespaces, reached with BatchMode and strict host key checking, each with
 * its own process list and mount table. Needs root, iproute2, unshare and openssh-server: without
 * them skipped locally, failed under CI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/processes.js';
import { SshHosts, sshHostsUnavailable } from '../helpers/ssh-hosts.js';

const unavailable = sshHostsUnavailable();

if (unavailable !== undefined && !process.env.CI) process.stderr.write(`test/netns/ssh-hosts: skipped, SSH hosts unavailable (${unavailable}); run as root with iproute2 and openssh-server\n`);

// Under CI hosts that cannot be made fail the tests: they must run there.
describe.skipIf(unavailable !== undefined && !process.env.CI)('SSH hosts in network namespaces', () => {
  let lab: SshHosts;

  beforeAll(async () => {
    lab = await SshHosts.create('ssh', ['h1', 'h2', 'h3'], { hide: { h2: [FIXTURES] } });
  });
  afterAll(() => lab?.remove());

  it('reaches each host by name with BatchMode and strict host key checking, as root, in its own UTS namespace', async () => {
    for (const name of ['h1', 'h2', 'h3']) {
      const result = await lab.ssh(name, ['echo "$(hostname) $(id -un)"']);
      expect(result, name).toEqual({ code: 0, stdout: `${name} root\n`, stderr: '' });
    }
    expect(lab.hosts.map((host) => host.address)).toEqual(['10.231.77.2', '10.231.77.3', '10.231.77.4']);
  });

  it('refuses a host whose key is not the one known_hosts lists: the check is real', async () => {
    // h1's name and address, with h2's key.
    const wrong = join(lab.dir, 'wrong_known_hosts');
    const lines = lab.hosts.map((host) => `${host.name},${host.address}`);
    const keys = ['h2', 'h1'].map((name) => readFileSync(join(lab.dir, name, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' '));
    writeFileSync(wrong, `${lines[0]} ${keys[0]}\n${lines[1]} ${keys[1]}\n`);
    const result = await lab.ssh('h1', ['true'], ['-o', `UserKnownHostsFile=${wrong}`]);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Host key verification failed/);
    // A host missing from known_hosts is refused too, never added.
    writeFileSync(wrong, '');
    expect(await lab.ssh('h3', ['true'], ['-o', `UserKnownHostsFile=${wrong}`])).toMatchObject({ code: 255, stderr: expect.stringMatching(/Host key verification failed/) as string });
  });

  it('logs in with the client key only: any other key is refused, and no password is asked', async () => {
    // The same config with another key (-o IdentityFile would add to the config's, not replace it; the last -F wins).
    const other = join(lab.dir, 'other_config');
    writeFileSync(other, readFileSync(lab.configFile, 'utf8').replace(`IdentityFile ${lab.clientKey}`, `IdentityFile ${join(lab.dir, 'h1', 'host_key')}`));
    const result = await lab.ssh('h1', ['true'], ['-F', other]);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('hides a folder from the host that hides it, and only from it', async () => {
    const list = `ls ${FIXTURES} | wc -l`;
    expect((await lab.ssh('h2', [list])).stdout.trim()).toBe('0');
    expect(Number((await lab.ssh('h1', [list])).stdout.trim())).toBeGreaterThan(0);
  });

  it('lists the processes of a host: a sleep started over ssh is there until it is killed, and only on its host', async () => {
    const started = await lab.ssh('h3', ['nohup sleep 3003 >/dev/null 2>&1 </dev/null & echo $!']);
    expect(started.code, started.stderr).toBe(0);
    const sleeps = (name: string): string[] => lab.processes(name).filter((p) => p.state !== 'Z').map((p) => p.cmdline).filter((line) => line === 'sleep 3003');
    // The shell answered before its background child may have become sleep (nohup execs it).
    await expect.poll(() => sleeps('h3')).toEqual(['sleep 3003']);
    expect([...sleeps('h1'), ...sleeps('h2')]).toEqual([]);
    // sshd's own processes are left out: once the session's shell is gone, nothing else is there.
    await expect.poll(() => lab.processes('h3').map((p) => p.command)).toEqual(['sleep']);
    expect(await lab.ssh('h3', [`kill ${started.stdout.trim()}`])).toMatchObject({ code: 0 });
    await expect.poll(() => lab.processes('h3')).toEqual([]);
  });

  it('cut() makes ssh to a host fail with 255, and restore() brings it back', async () => {
    lab.cut('h1');
    try {
      const result = await lab.ssh('h1', ['true']);
      expect(result.code).toBe(255);
      expect(await lab.ssh('h2', ['hostname'])).toMatchObject({ code: 0, stdout: 'h2\n' });
    } finally {
      lab.restore('h1');
    }
    expect(await lab.ssh('h1', ['hostname'])).toMatchObject({ code: 0, stdout: 'h1\n' });
  });

  it('remove() ends every process of its hosts, sshd and what sessions left, and removes their namespaces and files', async () => {
    const other = await SshHosts.create('ssh-rm', ['r1']);
    try {
      expect((await other.ssh('r1', ['nohup sleep 3004 >/dev/null 2>&1 </dev/null &'])).code).toBe(0);
      await expect.poll(() => other.processes('r1').map((p) => p.cmdline)).toEqual(['sleep 3004']);
      const [sleep] = other.processes('r1');
      const netns = other.host('r1').netns;
      other.remove();
      await expect.poll(() => existsSync(`/proc/${sleep!.pid}`)).toBe(false);
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(netns);
      expect(existsSync(other.dir)).toBe(false);
      expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(other.dir);
    } finally {
      other.remove();
    }
  });
});

/**
 * tm-run --hosts against real OpenSSH servers (test/helpers/ssh-hosts.ts): the master on the
 * client host, tm-spawn started over ssh on h1, h2, h3, each in its own network and pid
 * namespace, so each host's process list can be checked. Needs root, iproute2, unshare and
 * openssh-server: without them skipped locally (one line), failed under CI.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKey } from '../../src/curve/keys.js';
import { FIXTURES, ROOT, runBin, type Proc } from '../helpers/processes.js';
import { range, readRecord, tally, type RecordLine } from '../helpers/record.js';
import { SshHosts, sshHostsUnavailable } from '../helpers/ssh-hosts.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const HOSTS = ['h1', 'h2', 'h3'] as const;
const unavailable = sshHostsUnavailable();

if (unavailable !== undefined && !process.env.CI) process.stderr.write(`test/netns/fleet: skipped, SSH hosts unavailable (${unavailable}); run as root with iproute2 and openssh-server\n`);

// Under CI hosts that cannot be made fail the tests: they must run there.
describe.skipIf(unavailable !== undefined && !process.env.CI)('tm-run --hosts over ssh', () => {
  let lab: SshHosts;
  const dir = useTestDir();

  beforeAll(async () => {
    // No host has the task module: each runs the bundle the master ships.
    lab = await SshHosts.create('fleet', [...HOSTS], { hide: Object.fromEntries(HOSTS.map((host) => [host, [FIXTURES]])) });
  });
  afterAll(() => lab?.remove());

  /** Each host records the jobs it ran in a file of its own (its host name is its UTS namespace's). */
  const recordOf = (host: string): string => join(dir.path, `record-${host}.txt`);
  const records = (hosts: readonly string[] = HOSTS): RecordLine[] => hosts.flatMap((host) => readRecord(recordOf(host)));

  /** `tm-run record.ts N n=jobs --hosts …` on the client host; the remote command runs this checkout's tm-spawn. */
  function fleetRun(hosts: string, jobs: number, flags: readonly string[] = [], remoteEnv = '', command = `${process.execPath} ${join(ROOT, 'dist', 'bin', 'tm-spawn.js')}`): Proc {
    const remote = `TM_RECORD=${dir.path}/record-$(hostname).txt ${remoteEnv} ${command}`;
    const args = [RECORD, '1', `n=${jobs}`, '--hosts', hosts, '--ssh', `ssh -F ${lab.configFile}`, '--remote-command', remote, '--threads', '1', '--state', join(dir.path, 'run.state.json'), '--no-progress', ...flags];
    return runBin('tm-run', args, { cwd: dir.path, netns: lab.client.netns, env: { TM_HOLD_UNTIL: join(dir.path, 'go') } });
  }

  /** The processes of the run left on `host` (sshd's own are not the run's), zombies included. */
  const leftOn = (host: string): string[] => lab.processes(host).map((p) => `${p.command}: ${p.cmdline}`);

  /** Lets the generator go once every host's slave has joined, so each takes jobs. */
  async function goOnceJoined(run: Proc, count: number): Promise<void> {
    await expect.poll(() => (run.stderr.match(/\[master\] slave \S+ joined/g) ?? []).length, { timeout: 60_000, interval: 50 }).toBe(count);
    writeFileSync(join(dir.path, 'go'), '');
  }

  it('runs every job once over three hosts from one command, no key on any command line, and leaves nothing on any host', async () => {
    const jobs = 3000;
    for (const host of HOSTS) expect((await lab.ssh(host, [`test -e ${RECORD} && echo there || echo absent`])).stdout, host).toBe('absent\n');
    const run = fleetRun(HOSTS.join(','), jobs, [], 'TM_SPIN_US=200');
    await goOnceJoined(run, 3);
    // While it runs: every process of the run on each host got its keys over stdin; no key of any kind is on a command line.
    await expect.poll(() => HOSTS.every((host) => readRecord(recordOf(host)).length > 0), { timeout: 30_000, interval: 20 }).toBe(true);
    for (const host of HOSTS) {
      const ours = lab.processes(host).filter((p) => p.command === 'node');
      expect(ours.length, host).toBeGreaterThanOrEqual(2);
      for (const p of ours) {
        expect(p.cmdline, host).toContain('--keys-stdin');
        expect(p.cmdline.split(' ').filter((word) => decodeKey(word) !== undefined), `${host}: ${p.cmdline}`).toEqual([]);
      }
    }
    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stdout).toMatch(`finished: ${jobs} jobs done, 0 dead-lettered`);
    const counted = tally(records(), range(jobs));
    expect(counted.missing).toEqual([]);
    expect(counted.reran).toEqual([]);
    for (const host of HOSTS) expect(readRecord(recordOf(host)).length, host).toBeGreaterThan(0);
    // Each host's lines come through, prefixed with it; each ran the bundle the master shipped, the same on all.
    for (const host of HOSTS) expect(run.stderr).toMatch(new RegExp(`^\\[${host}\\] \\[slave \\d+\\] welcomed by run`, 'm'));
    const shipped = /\[master\] shipping \S+ \(.*sha256 ([0-9a-f]{12})/.exec(run.stderr)?.[1];
    expect(shipped, run.stderr).toBeDefined();
    for (const host of HOSTS) expect(run.stderr).toMatch(new RegExp(`^\\[${host}\\] \\[slave \\d+\\] running the code the master shipped \\(\\d+ bytes, sha256 ${shipped}`, 'm'));
    for (const host of HOSTS) await expect.poll(() => leftOn(host), { timeout: 15_000 }).toEqual([]);
  });

  it('says in one line that a host cannot be reached, and runs on with the others', async () => {
    lab.cut('h3');
    try {
      const jobs = 1000;
      const run = fleetRun(HOSTS.join(','), jobs);
      // Held until h3 is given up on (ssh's ConnectTimeout), so that is said while the run goes on.
      await run.waitFor(/h3: cannot be reached/);
      await goOnceJoined(run, 2);
      expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
      const h3 = run.stderr.split('\n').filter((line) => line.includes('h3'));
      expect(h3).toEqual([expect.stringMatching(/^\[tm-run\] error: h3: cannot be reached over ssh \(exit 255\): ssh: connect to host 10\.231\.77\.4 port 22: (?:Connection timed out|No route to host)$/)]);
      expect(tally(records(), range(jobs)).missing).toEqual([]);
    } finally {
      lab.restore('h3');
    }
  });

  it('fails the run (exit 1, one line) when no host is left', async () => {
    lab.cut('h3');
    try {
      const run = fleetRun('h3', 10);
      expect(await run.exited, run.stderr).toEqual({ code: 1, signal: null });
      const errors = run.stderr.split('\n').filter((line) => / error: /.test(line));
      expect(errors).toEqual([expect.stringMatching(/^\[tm-run\] error: h3: cannot be reached over ssh \(exit 255\)/), '[master] error: no slave is left: every host of --hosts failed (their lines above say why)']);
    } finally {
      lab.restore('h3');
    }
  });

  it('says in one line what a host lacks: the remote command is not there', async () => {
    const run = fleetRun('h1', 10, [], '', 'tm-spawn-not-installed');
    expect(await run.exited, run.stderr).toEqual({ code: 1, signal: null });
    const h1 = run.stderr.split('\n').filter((line) => line.includes('h1'));
    expect(h1).toEqual([expect.stringMatching(/^\[tm-run\] error: h1: lacks `TM_RECORD=\S+ {2}tm-spawn-not-installed` \(exit 127: node or the package is not installed there, or not on the login's PATH\): .*tm-spawn-not-installed: (?:command )?not found$/)]);
  });

  it('gives a cut-off host’s jobs to the others past the lease, and the cut-off host’s processes end on their own', async () => {
    const jobs = 6000;
    const run = fleetRun('h1,h2', jobs, ['--lease', '2000', '--host-give-up-after', '2000'], 'TM_SPIN_US=500');
    await goOnceJoined(run, 2);
    await expect.poll(() => readRecord(recordOf('h2')).length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(100);
    lab.cut('h2');
    try {
      // No sshd notices a dead link here (ClientAliveInterval is off): the slaves give up (heartbeat, then --give-up-after), and tm-spawn with them.
      await expect.poll(() => leftOn('h2'), { timeout: 30_000, interval: 100 }).toEqual([]);
      expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
      expect(tally(records(['h1', 'h2']), range(jobs)).missing).toEqual([]);
      expect(run.stderr).toMatch(/in-flight jobs back in the buffer from h2:\d+: silent for more than 2000 ms \(lease\)/);
    } finally {
      lab.restore('h2');
    }
    await expect.poll(() => leftOn('h1'), { timeout: 15_000 }).toEqual([]);
  });

  it('runs the same from run({ hosts }), with its results', async () => {
    const jobs = 500;
    const remote = `TM_RECORD=${dir.path}/record-$(hostname).txt ${process.execPath} ${join(ROOT, 'dist', 'bin', 'tm-spawn.js')}`;
    const options = { module: RECORD, args: { n: String(jobs) }, slaves: 1, threads: 1, results: true, hosts: 'h1,h2', ssh: `ssh -F ${lab.configFile}`, remoteCommand: remote, state: join(dir.path, 'run.state.json') };
    const script = join(dir.path, 'embed.mjs');
    writeFileSync(
      script,
      [
        `import { run } from ${JSON.stringify(join(ROOT, 'dist', 'index.js'))};`,
        `const handle = run(${JSON.stringify(options)});`,
        'let results = 0;',
        'for await (const _ of handle.results) results++;',
        'const summary = await handle.done;',
        'console.log(JSON.stringify({ outcome: summary.outcome, done: summary.done, results }));',
      ].join('\n'),
    );
    // In the client host's namespace, as tm-run is; bounded by execFile's timeout.
    const [file, ...args] = ['ip', 'netns', 'exec', lab.client.netns, process.execPath, script];
    const out = await new Promise<string>((resolve, reject) => execFile(file!, args, { cwd: dir.path, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout))));
    expect(JSON.parse(out)).toEqual({ outcome: 'finished', done: jobs, results: jobs });
    expect(tally(records(['h1', 'h2']), range(jobs)).missing).toEqual([]);
    for (const host of ['h1', 'h2']) await expect.poll(() => leftOn(host), { timeout: 15_000 }).toEqual([]);
  });

  it('leaves no process of the run on any host after a Ctrl-C on the master', async () => {
    const run = fleetRun(HOSTS.join(','), 10_000_000, [], 'TM_SPIN_US=200');
    await goOnceJoined(run, 3);
    await expect.poll(() => HOSTS.every((host) => readRecord(recordOf(host)).length > 0), { timeout: 30_000, interval: 20 }).toBe(true);
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr).toEqual({ code: 130, signal: null });
    for (const host of HOSTS) expect(leftOn(host), host).toEqual([]);
  });
});

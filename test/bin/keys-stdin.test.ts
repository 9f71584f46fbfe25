/**
 * Keys over stdin on loopback (no sshd needed): tm-spawn --keys-stdin, as tm-run --hosts starts
 * it over ssh, hands its slaves their keys the same way; the secret is on no command line and in
 * no file; the end of its stdin ends it and its slaves. tm-run's own slaves get theirs so too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { keysLine } from '../../src/curve/stdin-keys.js';
import { writeKeyPair } from '../../src/curve/keys.js';
import { childPids, descendantPids, FIXTURES, ROOT, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { readRecord } from '../helpers/record.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const dir = useTestDir();
/** Children started here with a stdin of ours (runBin's is /dev/null). */
const piped: ChildProcess[] = [];

afterEach(async () => {
  for (const child of piped.splice(0)) {
    for (const pid of child.pid === undefined ? [] : descendantPids(child.pid)) process.kill(pid, 'SIGKILL');
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});

/** Starts a bin with a stdin pipe; collects its stderr. */
function startPiped(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stderr: () => string; closed: Promise<[number | null, NodeJS.Signals | null]> } {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'bin', `${bin}.js`), ...args], { cwd: dir.path, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  piped.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  return { child, stderr: () => stderr, closed: once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]> };
}

/** The command line of a live process, its words. */
const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

/** A CURVE master on loopback admitting `slavePublicKey`; its public key. */
async function curveMaster(jobs: number, slavePublicKey: string): Promise<{ address: string; serverKey: string; master: ReturnType<typeof runBin> }> {
  const server = writeKeyPair(join(dir.path, 'master'));
  writeFileSync(join(dir.path, 'authorized_keys'), `${slavePublicKey} slaves\n`);
  const address = `tcp://127.0.0.1:${await reservePort()}`;
  const args = [RECORD, `n=${jobs}`, '--address', address, '--curve-secret', server.secretFile, '--authorized-keys', join(dir.path, 'authorized_keys'), '--state', join(dir.path, 'run.state.json'), '--no-progress'];
  const master = runBin('tm-master', args, { cwd: dir.path });
  await master.waitFor(/listening on/);
  return { address, serverKey: server.publicKey, master };
}

describe('tm-spawn --keys-stdin', () => {
  it('hands its slaves the keys over their stdin, never a command line, and stops them when its stdin ends', async () => {
    const slave = curveKeyPair();
    const record = join(dir.path, 'record.txt');
    const { address, serverKey, master } = await curveMaster(50_000_000, slave.publicKey);
    const spawned = startPiped('tm-spawn', [RECORD, '2', '--address', address, '--keys-stdin', '--threads', '1'], { TM_RECORD: record, TM_SPIN_US: '50' });
    spawned.child.stdin!.write(keysLine({ secretKey: slave.secretKey, serverKey }));
    // Admitted by the master (the keys were right), and running jobs.
    await expect.poll(() => readRecord(record).length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(100);
    const slaves = childPids(spawned.child.pid!);
    expect(slaves).toHaveLength(2);
    for (const pid of [spawned.child.pid!, ...slaves]) {
      expect(cmdline(pid)).toContain('--keys-stdin');
      expect(cmdline(pid)).not.toContain('--curve-secret');
    }
    // Nor on that of any process they started (a slave's esbuild, which hashes its module).
    const pids = [spawned.child.pid!, ...descendantPids(spawned.child.pid!)];
    for (const pid of pids) expect(cmdline(pid).join(' ')).not.toContain(slave.secretKey);

    // Its stdin ends (the ssh session is gone): it stops its slaves and exits, leaving none.
    spawned.child.stdin!.end();
    const [code] = await spawned.closed;
    expect(code, spawned.stderr()).toBe(0);
    for (const pid of [spawned.child.pid!, ...slaves]) expect(() => process.kill(pid, 0)).toThrow();
    // What a slave started ends with it (esbuild's service sees its stdin close).
    const alive = (): number[] => pids.filter((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
    await expect.poll(alive, { timeout: 10_000 }).toEqual([]);
    master.child.kill('SIGTERM');
    expect((await master.exited).code).toBe(143);
  });

  it('refuses a keys line that is not one, in one line that never echoes it', async () => {
    const spawned = startPiped('tm-slave', [RECORD, '--keys-stdin', '--address', 'tcp://127.0.0.1:9']);
    spawned.child.stdin!.end('{"secretKey":"not a key at all, but a secret","serverKey":1}\n');
    const [code] = await spawned.closed;
    expect(code).toBe(2);
    expect(spawned.stderr()).toBe('tm-slave: --keys-stdin: `secretKey` is not a Z85 CURVE key (40 characters)\n');
  });

  it('refuses a stdin that ends before the keys', async () => {
    const spawned = startPiped('tm-spawn', [RECORD, '1', '--keys-stdin']);
    spawned.child.stdin!.end();
    const [code] = await spawned.closed;
    expect(code).toBe(2);
    expect(spawned.stderr()).toBe('tm-spawn: --keys-stdin: stdin ended before a line of keys came\n');
  });
});

describe('tm-spawn --give-up-after', () => {
  it('exits 3 once its slaves gave up on a master that never answered, restarting none', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const spawned = runBin('tm-spawn', [RECORD, '2', '--address', address, '--threads', '1', '--give-up-after', '300'], { cwd: dir.path });
    expect(await spawned.exited, spawned.stderr).toEqual({ code: 3, signal: null });
    expect(spawned.stderr).not.toMatch(/restarting/);
  });
});

describe('tm-run with CURVE', () => {
  it('gives its own slaves their keys over stdin: no key file exists, and no secret is on a command line', async () => {
    const server = writeKeyPair(join(dir.path, 'master'));
    const record = join(dir.path, 'record.txt');
    const run = runBin('tm-run', [RECORD, '2', 'n=50000000', '--threads', '1', '--curve-secret', server.secretFile, '--state', join(dir.path, 'r.json'), '--no-progress'], { cwd: dir.path, env: { TM_RECORD: record, TM_SPIN_US: '50' } });
    await expect.poll(() => readRecord(record).length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(100);
    const slaves = childPids(run.child.pid!);
    expect(slaves).toHaveLength(2);
    for (const pid of slaves) {
      expect(cmdline(pid)).toContain('--keys-stdin');
      expect(cmdline(pid)).not.toContain('--curve-secret');
    }
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
  });
});

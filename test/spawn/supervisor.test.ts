import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childPids, FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { readStateFields } from '../helpers/state.js';

const RECORD = join(FIXTURES, 'record.ts');
const JOBS = 100_000;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

describe('tm-spawn', () => {
  it('restarts a slave killed with -9, and exits 0 once the master has said QUIT', async () => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'run.state.json');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [RECORD, `n=${JOBS}`, '--address', address, '--state', state, '--lease', '2000', '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const spawn = runBin('tm-spawn', [RECORD, '2', '--address', address, '--threads', '1'], {
      cwd: dir.path,
      env: { TM_RECORD: record, TM_RECORD_PID: '1', TM_SPIN_US: '20' },
    });
    const spawnPid = spawn.child.pid!;
    const ranOn = (pid: number): number => readRecord(record).filter((line) => line.pid === pid).length;

    await expect.poll(() => childPids(spawnPid).length, { timeout: 10_000, interval: 10 }).toBe(2);
    const [victim, survivor] = childPids(spawnPid) as [number, number];
    await expect.poll(() => ranOn(victim), { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(1000);
    process.kill(victim, 'SIGKILL');
    await spawn.waitFor(/slave exited \(SIGKILL\); restarting/);
    await expect.poll(() => childPids(spawnPid).filter((pid) => pid !== survivor), { timeout: 10_000, interval: 10 }).toHaveLength(1);
    const [restarted] = childPids(spawnPid).filter((pid) => pid !== survivor) as [number];
    expect(restarted).not.toBe(victim);
    expect(readRecord(record).length, 'the run ended before the kill').toBeLessThan(JOBS);
    // The new slave joins the run and takes work.
    await expect.poll(() => ranOn(restarted), { timeout: 30_000, interval: 10 }).toBeGreaterThan(0);

    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(await spawn.exited, spawn.stderr).toEqual({ code: 0, signal: null });
    expect(tally(readRecord(record), range(JOBS)).missing).toEqual([]);
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS, failed: 0 } });
  });

  it('passes SIGTERM on to its slaves and exits 143 once they have left', async () => {
    const record = join(dir.path, 'record.txt');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [RECORD, `n=${JOBS}`, '--address', address, '--state', join(dir.path, 'run.state.json'), '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const spawn = runBin('tm-spawn', [RECORD, '2', '--address', address, '--threads', '1'], { cwd: dir.path, env: { TM_RECORD: record, TM_SPIN_US: '20' } });
    await expect.poll(() => readRecord(record).length, { timeout: 30_000, interval: 10 }).toBeGreaterThan(1000);
    const slaves = childPids(spawn.child.pid!);
    expect(slaves).toHaveLength(2);

    spawn.child.kill('SIGTERM');
    expect(await spawn.exited, spawn.stderr).toEqual({ code: 143, signal: null });
    expect(spawn.stderr).not.toMatch(/restarting/);
    expect(slaves.filter(isAlive)).toEqual([]);
    expect(master.child.exitCode, 'the master outlives the slaves').toBeNull();
  });

  it('stops every slave and exits 2, restarting none, once a slave exits 2', async () => {
    // Found (so tm-spawn starts its slaves), but every slave fails to load it: a restart would too.
    writeFileSync(join(dir.path, 'broken.ts'), 'export function handleJob(job: number) { return job ** * 2; }\n');
    const spawn = runBin('tm-spawn', ['./broken.ts', '2', '--threads', '1'], { cwd: dir.path });

    expect(await spawn.exited, spawn.stderr).toEqual({ code: 2, signal: null });
    expect(spawn.stderr).toMatch(/tm-slave: cannot load task module `broken\.ts`: .*broken\.ts:1:\d+: ERROR: /);
    expect(spawn.stderr).toMatch(/a slave exited with code 2 .*stopping the others rather than restarting it/);
    expect(spawn.stderr).not.toMatch(/restarting in/);
  });

  it('starts each slave as tm-slave’s #! line says: MALLOC_ARENA_MAX=2 and its node flags', async () => {
    // No master: the slave keeps trying, alive for the test to read.
    const spawn = runBin('tm-spawn', [RECORD, '1', '--address', `tcp://127.0.0.1:${await reservePort()}`, '--threads', '1'], { cwd: dir.path });
    await expect.poll(() => childPids(spawn.child.pid!).length, { timeout: 10_000, interval: 10 }).toBe(1);
    const [slave] = childPids(spawn.child.pid!) as [number];
    // Until it has exec'd node, a forked child still shows its parent's environment.
    await expect.poll(() => readFileSync(`/proc/${slave}/cmdline`, 'utf8'), { timeout: 10_000, interval: 10 }).toContain('tm-slave.js');
    expect(readFileSync(`/proc/${slave}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');
    expect(readFileSync(`/proc/${slave}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=2');
    // Its slave leaves with it (its IPC channel closes), whether or not its handlers were in place yet.
    spawn.child.kill('SIGTERM');
    await spawn.exited;
  });

  it('passes --max-credit on to its slaves', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [RECORD, 'n=100', '--address', address, '--state', join(dir.path, 'run.state.json'), '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    // One slave: a second might say HELLO only after the run is over, and wait for a master for ever.
    const spawn = runBin('tm-spawn', [RECORD, '1', '--address', address, '--threads', '1', '--max-credit', '100'], { cwd: dir.path, env: { TM_RECORD: join(dir.path, 'record.txt') } });

    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(await spawn.exited, spawn.stderr).toEqual({ code: 0, signal: null });
    expect(master.stderr).toMatch(/joined \(1 thread, capacity 100\)/);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processesIn } from '../helpers/orphans.js';
import { childPids, FIXTURES, killAll, runBin, tempDir, type Proc } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { countLines, readRecord } from '../helpers/record.js';
import { recordedLedger, readStateFields } from '../helpers/state.js';

const TASK = join(FIXTURES, 'unruly.ts');
const RECORD_TASK = join(FIXTURES, 'record.ts');

let dir: ReturnType<typeof tempDir>;
let paths: { state: string; started: string; record: string; gate: string };

beforeEach(() => {
  dir = tempDir();
  const [state, started, record, gate] = ['run.state.json', 'started.txt', 'record.txt', 'gate'].map((name) => join(dir.path, name)) as [string, string, string, string];
  paths = { state, started, record, gate };
});

afterEach(async () => {
  await killAll();
  dir.remove();
});

/**
 * The environment of slaves that record every job and hold each at the gate. Each slave's first
 * batch (two jobs: its first credit) runs whole on its one thread, so every slave gets one.
 */
function gatedEnv(): NodeJS.ProcessEnv {
  const { started, record, gate } = paths;
  return { TM_STARTED: started, TM_RECORD: record, TM_UNRULY_JOBS: '0-1000000', TM_UNRULY: 'gate', TM_GATE: gate };
}

/** Resolves once each of `count` slaves is running a job held at the gate. */
async function untilEachSlaveHoldsAGatedJob(count: number): Promise<void> {
  const holders = (): number => new Set(readRecord(paths.started).map((line) => line.pid)).size;
  await expect.poll(holders, { timeout: 20_000, interval: 10 }).toBe(count);
}

/** Resolves once `proc`'s output holds `count` matches of `pattern`. */
async function untilLines(proc: Proc, pattern: RegExp, count: number): Promise<void> {
  await expect.poll(() => (proc.stdout + proc.stderr).match(new RegExp(pattern, 'g'))?.length ?? 0, { timeout: 20_000, interval: 10 }).toBe(count);
}

/** Every job that started finished, and the state holds exactly those. */
function expectStartedJobsFinishedAndRecorded(): void {
  const jobs = (path: string): number[] => readRecord(path).map((line) => line.job).sort((a, b) => a - b);
  const ran = jobs(paths.record);
  expect(jobs(paths.started)).toEqual(ran);
  expect(ran.length).toBeGreaterThanOrEqual(2);
  const ledger = recordedLedger(paths.state);
  expect(ran.filter((job) => !ledger.isFinished(job))).toEqual([]);
  expect(ledger.finished).toBe(ran.length);
  expect(readStateFields(paths.state).finished).toBe(false);
}

describe('tm-run', () => {
  it('on Ctrl-C (SIGINT to its process group) lets running jobs finish, exits 130, and leaves no process behind', async () => {
    // Its own process group, as a shell gives a job, so the test can signal the group.
    const run = runBin('tm-run', [TASK, '2', 'n=50', '--threads', '1', '--state', paths.state, '--no-progress'], { cwd: dir.path, env: gatedEnv(), detached: true });
    await untilEachSlaveHoldsAGatedJob(2);

    process.kill(-run.child.pid!, 'SIGINT');
    // Each slave heard it once (from tm-run): a second signal would abandon its running job.
    await untilLines(run, /\[slave \d+\] stopping:/, 2);
    writeFileSync(paths.gate, '');
    expect(await run.exited, run.stderr).toEqual({ code: 130, signal: null });
    expect(run.stdout).toMatch(/stopped: \d+ jobs done/);
    expectStartedJobsFinishedAndRecorded();
    expect(processesIn(dir.path)).toEqual([]);
  }, 30_000);

  it('on SIGTERM stops the master and its slaves, exits 143, and every job that ran is in the state', async () => {
    const run = runBin('tm-run', [RECORD_TASK, '2', 'n=1000000', '--threads', '1', '--state', paths.state, '--no-progress'], {
      cwd: dir.path,
      env: { TM_RECORD: paths.record, TM_SPIN_US: '20' },
    });
    await expect.poll(() => countLines(paths.record), { timeout: 20_000, interval: 10 }).toBeGreaterThan(1000);

    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr).toEqual({ code: 143, signal: null });
    expect(processesIn(dir.path)).toEqual([]);
    const ran = readRecord(paths.record).map((line) => line.job);
    expect(ran.length).toBeLessThan(1_000_000);
    const ledger = recordedLedger(paths.state);
    expect(ran.filter((job) => !ledger.isFinished(job))).toEqual([]);
    expect(ledger.finished).toBe(ran.length);
  }, 30_000);

  it('killed with -9: its slaves see their parent gone and leave on their own', async () => {
    const run = runBin('tm-run', [RECORD_TASK, '2', 'n=1000000', '--threads', '1', '--state', paths.state, '--no-progress'], {
      cwd: dir.path,
      env: { TM_RECORD: paths.record, TM_SPIN_US: '20' },
    });
    await expect.poll(() => countLines(paths.record), { timeout: 20_000, interval: 10 }).toBeGreaterThan(1000);
    const slaves = childPids(run.child.pid!);
    expect(slaves).toHaveLength(2);

    run.child.kill('SIGKILL');
    await run.exited;
    await expect.poll(() => processesIn(dir.path), { timeout: 15_000, interval: 50 }).toEqual([]);
  }, 30_000);
});

describe('tm-spawn', () => {
  it('on Ctrl-C (SIGINT to its process group) passes it on once: running jobs finish, exit 130, no slave left', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [TASK, 'n=50', '--address', address, '--state', paths.state, '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const spawn = runBin('tm-spawn', [TASK, '2', '--address', address, '--threads', '1'], { cwd: dir.path, env: gatedEnv(), detached: true });
    await untilEachSlaveHoldsAGatedJob(2);

    process.kill(-spawn.child.pid!, 'SIGINT');
    await untilLines(spawn, /\[slave \d+\] stopping:/, 2);
    writeFileSync(paths.gate, '');
    expect(await spawn.exited, spawn.stderr).toEqual({ code: 130, signal: null });
    expect(spawn.stderr).toMatch(/left: the master has taken back every job it gave us/);
    const ran = readRecord(paths.record).map((line) => line.job);
    expect(readRecord(paths.started).map((line) => line.job).sort()).toEqual(ran.sort());
    expect(ran.length).toBeGreaterThanOrEqual(2);
    expect(processesIn(dir.path, [master.child.pid!])).toEqual([]);
    expect(master.child.exitCode, 'the master outlives the slaves').toBeNull();
  }, 30_000);

  it('killed with -9 while its slaves start: they see their parent gone and leave on their own', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [RECORD_TASK, 'n=1000000', '--address', address, '--state', paths.state, '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const spawn = runBin('tm-spawn', [RECORD_TASK, '2', '--address', address, '--threads', '1'], { cwd: dir.path, env: { TM_RECORD: paths.record, TM_SPIN_US: '20' } });
    // Killed as soon as the slaves exist: they are still loading the module, not yet listening for the end.
    await expect.poll(() => childPids(spawn.child.pid!).length, { timeout: 10_000, interval: 5 }).toBe(2);

    spawn.child.kill('SIGKILL');
    await spawn.exited;
    await expect.poll(() => processesIn(dir.path, [master.child.pid!]), { timeout: 15_000, interval: 50 }).toEqual([]);
  }, 30_000);
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin, type Proc } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { readStateFields, recordedLedger } from '../helpers/state.js';

const TASK = join(FIXTURES, 'unruly.ts');
const JOBS = 20;
/** Jobs from here on wait for the gate file. */
const GATED_FROM = 3;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

interface Run {
  readonly master: Proc;
  readonly slave: Proc;
  readonly masterArgs: string[];
  readonly state: string;
  readonly started: string;
  readonly record: string;
  readonly gate: string;
}

/**
 * A master and a slave of one thread and two jobs of credit, so at most two jobs are in flight:
 * jobs 0-2 run, job 3 waits for the gate file (and job 4, perhaps, behind it). Resolves once job 3 has started
 * and the master has recorded jobs 0-2.
 */
async function startGatedRun(masterFlags: readonly string[] = []): Promise<Run> {
  const [state, started, record, gate] = ['run.state.json', 'started.txt', 'record.txt', 'gate'].map((name) => join(dir.path, name)) as [string, string, string, string];
  const address = `tcp://127.0.0.1:${await reservePort()}`;
  // No periodic snapshot: the one a test finds must come from the stop.
  const masterArgs = [TASK, `n=${JOBS}`, '--address', address, '--state', state, '--checkpoint-interval', '600000', '--no-progress', ...masterFlags];
  const master = runBin('tm-master', masterArgs, { cwd: dir.path });
  await master.waitFor(/listening on/);
  const env = { TM_STARTED: started, TM_RECORD: record, TM_UNRULY_JOBS: `${GATED_FROM}-${JOBS}`, TM_UNRULY: 'gate', TM_GATE: gate };
  const slave = runBin('tm-slave', [TASK, '--address', address, '--threads', '1', '--max-credit', '2'], { cwd: dir.path, env });
  await expect.poll(() => jobsIn(started), { timeout: 20_000, interval: 10 }).toContain(GATED_FROM);
  // And the master has recorded jobs 0-2: a slave reports a batch's early jobs on its own clock, so
  // job 3 can start before the master hears of job 2.
  await expect.poll(() => recordedLedger(state).finished, { timeout: 20_000, interval: 10 }).toBe(GATED_FROM);
  return { master, slave, masterArgs, state, started, record, gate };
}

function jobsIn(path: string): number[] {
  return readRecord(path)
    .map((line) => line.job)
    .sort((a, b) => a - b);
}

describe('SIGINT/SIGTERM to the master', () => {
  it('dispatches nothing new, lets in-flight jobs finish, flushes the state and exits 143; a restart runs the rest once', async () => {
    const { master, slave, masterArgs, state, started, record, gate } = await startGatedRun();

    master.child.kill('SIGTERM');
    await master.waitFor(/stopping/);
    writeFileSync(gate, '');
    expect(await master.exited, master.stderr).toEqual({ code: 143, signal: null });
    expect(master.stdout).toMatch(/stopped: \d+ jobs done/);
    // Job 3 (and job 4, if it was in flight) finished; nothing was sent after the signal.
    const ran = jobsIn(record);
    expect(ran).toEqual(range(ran.length));
    expect(ran.length).toBeGreaterThanOrEqual(GATED_FROM + 1);
    expect(ran.length).toBeLessThanOrEqual(GATED_FROM + 2);
    expect(jobsIn(started)).toEqual(ran);
    // Every one of them is in the state: the snapshot itself, not only the completion log.
    expect(readStateFields(state)).toMatchObject({ finished: false, ledger: { watermark: ran.length, failed: 0 } });
    expect(slave.child.exitCode, 'the slave outlives a stopped master').toBeNull();

    const second = runBin('tm-master', masterArgs, { cwd: dir.path });
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(tally(readRecord(record), range(JOBS))).toMatchObject({ missing: [], reran: [] });
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS } });
  }, 30_000);

  it('flushes and exits at once on a second signal, the blocked job left pending', async () => {
    // A grace longer than the test: only the second signal can end the wait.
    const { master, state, record } = await startGatedRun(['--grace', '120000']);

    master.child.kill('SIGINT');
    await master.waitFor(/stopping/);
    master.child.kill('SIGINT');
    expect(await master.exited, master.stderr).toEqual({ code: 130, signal: null });
    expect(jobsIn(record)).toEqual(range(GATED_FROM));
    expect(readStateFields(state)).toMatchObject({ finished: false, ledger: { watermark: GATED_FROM } });
    expect(recordedLedger(state).finished).toBe(GATED_FROM);
  }, 30_000);

  it('gives up on in-flight jobs after --grace ms, and exits 143 with what finished recorded', async () => {
    const { master, state, record } = await startGatedRun(['--grace', '500']);

    master.child.kill('SIGTERM');
    expect(await master.exited, master.stderr).toEqual({ code: 143, signal: null });
    expect(master.stderr).toMatch(/stopping: waiting up to 500 ms/);
    expect(jobsIn(record)).toEqual(range(GATED_FROM));
    expect(readStateFields(state)).toMatchObject({ finished: false, ledger: { watermark: GATED_FROM } });
  }, 30_000);
});

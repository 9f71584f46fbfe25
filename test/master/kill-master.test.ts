import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';
import { countLines, range, readRecord, tally } from '../helpers/record.js';
import { readStateFields, recordedLedger } from '../helpers/state.js';

const RECORD = join(FIXTURES, 'record.ts');
const JOBS = 100_000;
/** The most jobs a slave holds at once (SlaveOptions.maxCredit's default): the most that can be in flight to it. */
const SLAVE_MAX_CREDIT = 20_000;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

describe('kill -9 of the master', () => {
  it('resumes on the same state with the same slave, re-running only jobs that were in flight', async () => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'run.state.json');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const masterArgs = [RECORD, `n=${JOBS}`, '--address', address, '--state', state, '--no-progress'];
    const first = runBin('tm-master', masterArgs, { cwd: dir.path });
    await first.waitFor(/listening on/);
    const slave = runBin('tm-slave', [RECORD, '--address', address, '--threads', '1'], {
      cwd: dir.path,
      env: { TM_RECORD: record, TM_RECORD_PID: '1', TM_SPIN_US: '20' },
    });
    const slavePid = slave.child.pid!;

    await expect.poll(() => countLines(record), { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(5000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const linesAtKill = countLines(record);
    expect(linesAtKill, 'the run ended before the kill').toBeLessThan(JOBS);
    // What the dead master had recorded: the jobs it promised never to run again.
    const heard = recordedLedger(state);
    expect(heard.finished).toBeGreaterThan(0);

    const second = runBin('tm-master', masterArgs, { cwd: dir.path });
    await second.waitFor(/listening on/);
    expect(second.stderr).toMatch(/resuming at seq \d+/);
    const linesAtRestart = countLines(record);
    expect(slave.child.exitCode, 'the slave outlived its master').toBeNull();

    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS } });

    // The same slave process worked for both masters.
    const welcomes = [...slave.stderr.matchAll(/welcomed by run (\w+)/g)].map((m) => m[1]);
    expect(new Set(welcomes).size).toBe(2);
    const lines = readRecord(record);
    const afterRestart = lines.slice(linesAtRestart);
    expect(afterRestart.length).toBeGreaterThan(0);
    expect(new Set(lines.map((line) => line.pid))).toEqual(new Set([slavePid]));

    const { missing, reran, extraRuns, runs } = tally(lines, range(JOBS));
    expect(missing).toEqual([]);
    // DESIGN.md §2: a job the master had heard done never runs again, so the re-runs are jobs
    // that were in flight at the kill, each at most once more, and no more than the slave held.
    expect(reran.filter((job) => heard.isFinished(job))).toEqual([]);
    expect(Math.max(...runs.values())).toBe(reran.length > 0 ? 2 : 1);
    expect(extraRuns).toBeLessThanOrEqual(SLAVE_MAX_CREDIT);
    const ranUnheard = new Set(lines.slice(0, linesAtRestart).filter((line) => !heard.isFinished(line.job)).map((line) => line.job)).size;
    console.log(
      `kill -9 of the master after ${linesAtKill} of ${JOBS} jobs had run: ${reran.length} jobs re-ran ` +
        `(${((100 * reran.length) / JOBS).toFixed(2)}% of the jobs; ${heard.finished} had been heard done, ` +
        `${ranUnheard} had run unheard by the restart); bound: ${SLAVE_MAX_CREDIT}, the slave's max credit`,
    );
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';
import { range, readRecord, tally } from '../helpers/record.js';

const TASK = join(FIXTURES, 'unruly.ts');
const JOBS = 6;
const LEASE_MS = 1000;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

/**
 * Runs JOBS jobs through a master with a 1 s lease and one slave of one thread, job 1 doing
 * `unruly` for four lease periods; checks that it ran once and its lease never ran out.
 */
async function runWithOneLongJob(unruly: string): Promise<void> {
  const [record, started] = ['record.txt', 'started.txt'].map((name) => join(dir.path, name)) as [string, string];
  const address = `tcp://127.0.0.1:${await reservePort()}`;
  const master = runBin('tm-master', [TASK, `n=${JOBS}`, '--address', address, '--state', join(dir.path, 'run.state.json'), '--lease', `${LEASE_MS}`, '--no-progress'], {
    cwd: dir.path,
  });
  await master.waitFor(/listening on/);
  const env = { TM_RECORD: record, TM_STARTED: started, TM_UNRULY_JOBS: '1', TM_UNRULY: unruly };
  const slave = runBin('tm-slave', [TASK, '--address', address, '--threads', '1'], { cwd: dir.path, env });

  expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
  expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
  expect(master.stderr).not.toMatch(/gone: silent|back in the buffer/);
  expect(slave.stderr).not.toMatch(/no longer knows us/);
  // Once each, the long one included: no attempt of it was cut short and run again.
  expect(tally(readRecord(started), range(JOBS))).toMatchObject({ missing: [], reran: [] });
  expect(tally(readRecord(record), range(JOBS))).toMatchObject({ missing: [], reran: [] });
  expect(new Set(readRecord(record).map((line) => line.pid))).toEqual(new Set([slave.child.pid]));
}

describe('a job that outlives the lease', () => {
  it('keeps its lease through PINGs while it waits 4 s (lease 1 s): not requeued, run once', async () => {
    await runWithOneLongJob(`sleep:${4 * LEASE_MS}`);
  }, 30_000);

  it('keeps its lease while a CPU-bound handler spins 4 s: the main thread pings on', async () => {
    await runWithOneLongJob(`spin:${4 * LEASE_MS}`);
  }, 30_000);
});

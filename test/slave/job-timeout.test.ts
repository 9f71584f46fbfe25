import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadLetterPath } from '../../src/master/state/checkpoint.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { readStateFields } from '../helpers/state.js';

const TASK = join(FIXTURES, 'unruly.ts');
const JOBS = 20;
/** The job that misbehaves. */
const BAD = 5;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

interface DeadLetterLine {
  readonly seq: number;
  readonly attempts: number;
  readonly error: { readonly message: string };
}

/**
 * Runs JOBS jobs through a master (`--retries 1`) and one slave process of one thread, job BAD
 * doing `unruly` on every attempt; checks that it failed twice and was dead-lettered, that the
 * same slave process ran everything else and exited 0 at the end, and returns its dead letter.
 */
async function runWithOneBadJob(unruly: string, masterFlags: readonly string[] = [], slaveEnv: NodeJS.ProcessEnv = {}, slaveFlags: readonly string[] = []): Promise<DeadLetterLine> {
  const [record, started, state] = ['record.txt', 'started.txt', 'run.state.json'].map((name) => join(dir.path, name)) as [string, string, string];
  const address = `tcp://127.0.0.1:${await reservePort()}`;
  const master = runBin('tm-master', [TASK, `n=${JOBS}`, '--address', address, '--state', state, '--retries', '1', '--retry-backoff', '10', '--no-progress', ...masterFlags], {
    cwd: dir.path,
  });
  await master.waitFor(/listening on/);
  const env = { ...slaveEnv, TM_RECORD: record, TM_STARTED: started, TM_UNRULY_JOBS: `${BAD}`, TM_UNRULY: unruly };
  const slave = runBin('tm-slave', [TASK, '--address', address, '--threads', '1', ...slaveFlags], { cwd: dir.path, env });

  expect(await master.exited, master.stderr).toEqual({ code: 1, signal: null });
  // One slave process throughout: it saw the run to its end and left on the master's QUIT.
  expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
  expect(master.stdout).toMatch(new RegExp(`finished: ${JOBS - 1} jobs done, 1 dead-lettered`));
  const attempts = readRecord(started).filter((line) => line.job === BAD);
  expect(attempts.map((line) => line.pid)).toEqual([slave.child.pid, slave.child.pid]);
  // (Jobs that ran before the culprit in its batch may run again: their outcomes died with the thread.)
  expect(tally(readRecord(record), range(JOBS)).missing).toEqual([BAD]);
  expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS, failed: 1 } });
  const letters = readFileSync(deadLetterPath(state), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as DeadLetterLine);
  expect(letters).toHaveLength(1);
  expect(letters[0]).toMatchObject({ seq: BAD, attempts: 2 });
  return letters[0]!;
}

describe('--job-timeout', () => {
  it('aborts a handler that spins forever (its thread is replaced), retries it, then dead-letters it', async () => {
    const letter = await runWithOneBadJob('spin', ['--job-timeout', '500']);
    expect(letter.error.message).toMatch(/timed out after 500 ms/);
  }, 30_000);

  it('times out a job that never settles while the other lanes of its thread keep running jobs (--concurrency 4)', async () => {
    const letter = await runWithOneBadJob('hang', ['--job-timeout', '500'], {}, ['--concurrency', '4']);
    expect(letter.error.message).toMatch(/timed out after 500 ms/);
  }, 30_000);
});

describe('a handler that kills its thread', () => {
  it('with process.exit fails that job, not the slave: retried, dead-lettered, the run completes', async () => {
    const letter = await runWithOneBadJob('exit');
    expect(letter.error.message).toMatch(/worker thread died/);
  }, 30_000);

  it('by running out of heap fails that job, not the slave', async () => {
    // A small heap for every isolate of the slave, so the culprit's thread runs out quickly.
    const letter = await runWithOneBadJob('oom', [], { NODE_OPTIONS: '--max-old-space-size=128' });
    expect(letter.error.message).toMatch(/worker thread died: .*out of memory/i);
  }, 30_000);
});

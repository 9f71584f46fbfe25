import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDeadLetters, deadLetterPath } from '../../src/master/state/checkpoint.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { useTestDir } from '../helpers/test-dir.js';

const BIG_JOBS = join(FIXTURES, 'big-jobs.ts');

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

/** tm-run of the big-jobs fixture with one single-thread slave. */
function run(args: readonly string[], flags: readonly string[] = []) {
  const record = join(dir.path, 'record.txt');
  const state = join(dir.path, 'run.state.json');
  const proc = runBin('tm-run', [BIG_JOBS, '1', ...args, '--threads', '1', '--state', state, '--no-progress', ...flags], { cwd: dir.path, env: { TM_RECORD: record } });
  return { proc, record, state };
}

describe('jobs of many bytes', () => {
  it('travel in batches small enough for a message, though quick jobs would fill a batch far past one', async () => {
    // 40 jobs of 2 MiB: quick, so a batch would hold them all, 80 MiB, past the 64 MiB a slave accepts.
    const { proc, record } = run(['n=40', 'mb=2']);
    expect(await proc.exited, proc.stderr).toEqual({ code: 0, signal: null });
    expect(tally(readRecord(record), range(40))).toMatchObject({ missing: [], reran: [] });
  });

  it('dead-letters a job no message can carry, with the reason, and does the rest', async () => {
    const { proc, record, state } = run(['n=4', 'mb=0', 'huge=2'], ['--retries', '0']);
    expect(await proc.exited, proc.stderr).toEqual({ code: 1, signal: null });
    expect(tally(readRecord(record), [0, 1, 3])).toMatchObject({ missing: [], reran: [] });
    const [letter, ...others] = readDeadLetters(deadLetterPath(state));
    expect(others).toEqual([]);
    expect(letter).toMatchObject({ seq: 2, attempts: 1, error: { message: expect.stringMatching(/^the job packs to \d+ bytes, more than a message may carry/) as unknown } });
  });
});

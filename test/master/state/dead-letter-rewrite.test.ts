/**
 * A --retry-failed killed between its snapshot and the dead-letter file's replacement: the next
 * open of the state settles the staged file by what the snapshot counts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Checkpoint, deadLetterPath, readDeadLetters, stageDeadLetters, type DeadLetter } from '../../../src/master/state/checkpoint.js';
import { stagedDeadLetterPath } from '../../../src/master/state/dead-letter-rewrite.js';
import { encodeDeadLetter } from '../../../src/master/state/dead-letter-record.js';
import { encodeState } from '../../../src/master/state/state-file.js';
import { useTestDir } from '../../helpers/test-dir.js';

const dir = useTestDir();
const identity = { module: 'm', fn: 'getJobs', args: {} };
const letter = (seq: number): DeadLetter => ({ seq, job: seq, attempts: 1, error: { message: `job ${seq} failed` } });

/** A finished run of 10 jobs whose snapshot counts `failed`, with jobs 2, 5 and 8 in its dead-letter file and `staged` staged. */
function crashedRetry(failed: number, staged: readonly number[]): string {
  const state = join(dir.path, 'run.state.json');
  writeFileSync(state, encodeState(identity, { watermark: 10, doneAbove: [], failed }, { cursorMode: 'seq', total: 10, finished: true }));
  writeFileSync(deadLetterPath(state), [2, 5, 8].map((seq) => encodeDeadLetter(letter(seq))).join(''));
  stageDeadLetters(deadLetterPath(state), staged.map(letter));
  return state;
}

describe('a staged dead-letter rewrite, found when the state opens', () => {
  it('replaces the file when the snapshot counts its records (the retry died after the snapshot)', () => {
    const state = crashedRetry(1, [5]);

    Checkpoint.open(state, identity, { reset: false }).checkpoint.close();

    expect(readDeadLetters(deadLetterPath(state)).map((d) => d.seq)).toEqual([5]);
    expect(existsSync(stagedDeadLetterPath(deadLetterPath(state)))).toBe(false);
  });

  it('is dropped when the snapshot does not count it (the retry died before), the file untouched', () => {
    const state = crashedRetry(3, [5]);
    const before = readFileSync(deadLetterPath(state), 'utf8');

    Checkpoint.open(state, identity, { reset: false }).checkpoint.close();

    expect(readFileSync(deadLetterPath(state), 'utf8')).toBe(before);
    expect(existsSync(stagedDeadLetterPath(deadLetterPath(state)))).toBe(false);
  });

  it('goes with --reset, like the rest of the state', () => {
    const state = crashedRetry(1, [5]);

    Checkpoint.open(state, identity, { reset: true }).checkpoint.close();

    expect(existsSync(stagedDeadLetterPath(deadLetterPath(state)))).toBe(false);
    expect(existsSync(deadLetterPath(state))).toBe(false);
  });
});

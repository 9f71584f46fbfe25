/**
 * Rewriting a dead-letter file whole: --retry-failed keeps the records of jobs that failed again.
 *
 * In two steps around the snapshot that counts them, since a retry that writes output must
 * change two files as one: the new records are staged beside the file (`<file>.next`), the run's
 * snapshot then counts them (and the retried jobs' output), and the staged file then replaces
 * the old one. A master killed between the steps leaves a staged file that the next open of the
 * state settles by the count (`settleStagedDeadLetters`): committed when the snapshot counts its
 * records, dropped when not. Without it, a crash after the snapshot would leave the jobs that
 * now succeed in the dead-letter file, and the next retry would write their output twice.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { StateError } from '../../common/errors.js';
import { fsyncDirectory, writeFileAtomic } from './atomic-write.js';
import { readDeadLetters } from './dead-letter-read.js';
import { encodeDeadLetter, type DeadLetter } from './dead-letter-record.js';

/** Where records wait between `stageDeadLetters` and `commitDeadLetters`. */
export function stagedDeadLetterPath(path: string): string {
  return `${path}.next`;
}

/** The files a rewrite of the dead-letter file at `path` may leave (a staged file, its temp file), for a reset to remove. */
export function stagedDeadLetterFiles(path: string): string[] {
  return [`${stagedDeadLetterPath(path)}.tmp`, stagedDeadLetterPath(path)];
}

/** Writes `records` beside the dead-letter file at `path`, atomically, for `commitDeadLetters`. */
export function stageDeadLetters(path: string, records: readonly DeadLetter[]): void {
  try {
    writeFileAtomic(stagedDeadLetterPath(path), records.map((record) => encodeDeadLetter(record)).join(''));
  } catch (error) {
    throw rewriteError(path, error);
  }
}

/** Replaces the dead-letter file at `path` with the staged one: a crash leaves the old file or the new one. */
export function commitDeadLetters(path: string): void {
  try {
    renameSync(stagedDeadLetterPath(path), path);
    fsyncDirectory(dirname(path));
  } catch (error) {
    throw rewriteError(path, error);
  }
}

/** Replaces the dead-letter file at `path` with `records` (both steps, for a rewrite no snapshot depends on). */
export function rewriteDeadLetters(path: string, records: readonly DeadLetter[]): void {
  stageDeadLetters(path, records);
  commitDeadLetters(path);
}

/**
 * Finishes or undoes a rewrite a crash cut in two (a --retry-failed killed between its snapshot and the rename), as a state opens: the staged records replace the file when the
 * state counts `failed` of them (the snapshot was written), and are dropped when it does not
 * (then it counts the old file's: a retry in which every job failed again stages as many, and
 * either file is right).
 * Returns what it did, for a log line; undefined when nothing was staged.
 */
export function settleStagedDeadLetters(path: string, failed: number, isFinished: (seq: number) => boolean): 'committed' | 'dropped' | undefined {
  const staged = stagedDeadLetterPath(path);
  if (!existsSync(staged)) return undefined;
  // A staged file is written whole (atomically), so its lines are whole. Its records of jobs the
  // run has not finished are not among the failed it counts (a resume runs them).
  const counted = readDeadLetters(staged).filter((record) => isFinished(record.seq)).length === failed;
  try {
    if (counted) commitDeadLetters(path);
    else rmSync(staged, { force: true });
  } catch (error) {
    throw rewriteError(path, error);
  }
  return counted ? 'committed' : 'dropped';
}

function rewriteError(path: string, error: unknown): StateError {
  if (error instanceof StateError) return error;
  return new StateError(`could not rewrite dead-letter file ${path}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
}

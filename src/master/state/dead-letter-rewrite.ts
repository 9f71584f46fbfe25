/** Rewriting a dead-letter file whole: --retry-failed keeps the records of jobs that failed again. */
import { StateError } from '../../common/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeDeadLetter, type DeadLetter } from './dead-letter-record.js';

/** Replaces the dead-letter file at `path` with `records`, atomically: a crash leaves the old file or the new one. */
export function rewriteDeadLetters(path: string, records: readonly DeadLetter[]): void {
  try {
    writeFileAtomic(path, records.map((record) => encodeDeadLetter(record)).join(''));
  } catch (error) {
    throw new StateError(`could not rewrite dead-letter file ${path}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
  }
}

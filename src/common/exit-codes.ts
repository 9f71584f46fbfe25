/**
 * The exit codes of every command, named once. A run's own code is decided by
 * `master/run-end.ts`; these are its words, and the codes of a command that never got to a run.
 */
import { isUserError } from './errors.js';

export const EXIT = {
  /** Every job done, or the `--limit` of jobs. */
  ok: 0,
  /** Dead letters, `--max-failures`, or a fatal error (the generator threw, a state that cannot be written). */
  failed: 1,
  /** A usage error: one line, nothing touched. */
  usage: 2,
  /** tm-slave: no master answered for `--give-up-after` ms. */
  gaveUp: 3,
} as const;

/** Exit code for a stop by `signal`, as shells report it: 143 for SIGTERM, else 130 (SIGINT, or a stop from code). */
export function signalExitCode(signal: NodeJS.Signals | undefined): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/** Exit code of a command that failed with `error` before (or instead of) a run: 2 for the user's mistakes. */
export function errorExitCode(error: unknown): number {
  return isUserError(error) ? EXIT.usage : EXIT.failed;
}

import { isUserError, StateError } from '../common/errors.js';
import { errorExitCode } from '../common/exit-codes.js';

/**
 * Runs a command's body: a user's mistake becomes one line and exit code 2, a state that cannot
 * be written one line and exit code 1, anything else a stack trace and exit code 1. The body
 * returns the exit code.
 */
export function main(command: string, body: () => Promise<number>): void {
  body()
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.exitCode = report(command, error);
      },
    )
    // The run is over: a timer or socket the user's module left open must not keep us alive.
    .then(exitOnceFlushed);
}

/** Prints a command's failure the way its kind deserves; returns the exit code. */
function report(command: string, error: unknown): number {
  // A user's mistake, or a state that cannot be written (a full or read-only disk): not a bug, so no stack.
  const line = isUserError(error) || error instanceof StateError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${command}: ${line}\n`);
  return errorExitCode(error);
}

/** Exits once stdout and stderr have written out what is queued (pipes write asynchronously). */
function exitOnceFlushed(): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit();
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

export { signalExitCode } from '../common/exit-codes.js';

/**
 * Calls `stop` on SIGINT/SIGTERM (again on a second signal, for an immediate stop) and
 * remembers the first signal. `dispose()` stops calling `stop`, but keeps the signals taken: a
 * command whose run has ended exits with the code the run decided, never killed by a signal that
 * comes as it prints its summary (found by the lifecycle search, seed 11217).
 */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void): { readonly signal: NodeJS.Signals | undefined; dispose(): void } {
  let first: NodeJS.Signals | undefined;
  let disposed = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (disposed) return;
    first ??= signal;
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get signal() {
      return first;
    },
    dispose() {
      disposed = true;
    },
  };
}

import { isUserError, StateError } from '../common/errors.js';
import { errorExitCode, signalExitCode } from '../common/exit-codes.js';

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

export { signalExitCode };

/** The stop signals a command has taken: see onStopSignals. */
export interface StopSignals {
  /** The first stop signal that came, if one has. */
  readonly signal: NodeJS.Signals | undefined;
  /** Hands the signals to `stop`, at once with the one that came before, if one did. */
  attach(stop: (signal: NodeJS.Signals) => void): void;
  /** Stops calling `stop`; the signals stay taken. */
  dispose(): void;
}

/**
 * Takes SIGINT/SIGTERM and calls `stop` on each (a second one is for an immediate stop), and
 * remembers the first. Take them first thing, and `attach` the stop once there is something to
 * stop: as pid 1 of a container the kernel drops a signal that has no handler (tm-master ignored
 * SIGTERM while it started), and elsewhere such a signal kills the command, not a stop. One that
 * comes before `attach` is handed to it then; a second one before it exits at once, as nothing is
 * yet there to flush. `dispose()` stops calling `stop`, but keeps the signals taken: a command
 * whose run has ended exits with the code the run decided, never killed by a signal that comes as
 * it prints its summary (found by the lifecycle search, seed 11217).
 */
export function onStopSignals(stop?: (signal: NodeJS.Signals) => void): StopSignals {
  let first: NodeJS.Signals | undefined;
  let target = stop;
  let disposed = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (disposed) return;
    const again = first !== undefined;
    first ??= signal;
    if (target !== undefined) target(signal);
    else if (again) process.exit(signalExitCode(signal));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get signal() {
      return first;
    },
    attach(stop) {
      target = stop;
      if (first !== undefined && !disposed) stop(first);
    },
    dispose() {
      disposed = true;
    },
  };
}

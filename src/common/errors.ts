/** The few error classes of taskmaster; each has a stable `code` and chains its `cause`. */

export type ErrorCode =
  | 'E_USAGE' // a bad flag, argument or task module: the user's to fix, exit 2
  | 'E_STATE' // a checkpoint that is corrupt or belongs to another run, exit 2
  | 'E_STATE_WRITE' // a checkpoint that could not be written: stop rather than run unrecorded
  | 'E_STATE_LOCK_LOST'; // another master took the state's lock over: stop writing at once, exit 1

interface Options {
  readonly code?: ErrorCode;
  readonly cause?: unknown;
}

/** What every error of taskmaster has: a stable `code`, and the failure beneath it in `cause`. */
abstract class TaskmasterError extends Error {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode, cause: unknown) {
    super(message, { cause });
    this.code = code;
  }
}

/** A mistake in how taskmaster was called: printed as one line, never as a stack trace. */
export class UsageError extends TaskmasterError {
  override readonly name = 'UsageError';
  constructor(message: string, { code = 'E_USAGE', cause }: Options = {}) {
    super(message, code, cause);
  }
}

/** A checkpoint that cannot be trusted or cannot be written. */
export class StateError extends TaskmasterError {
  override readonly name = 'StateError';
  constructor(message: string, { code = 'E_STATE', cause }: Options = {}) {
    super(message, code, cause);
  }
}

/** Whether an error is the user's to fix (exit 2, one line) rather than a fault of ours. */
export function isUserError(error: unknown): error is UsageError | StateError {
  return error instanceof UsageError || (error instanceof StateError && error.code === 'E_STATE');
}

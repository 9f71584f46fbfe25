/** The few error classes of taskmaster; each has a stable `code` and chains its `cause`. */

export type ErrorCode =
  | 'E_USAGE' // a bad flag, argument or task module: the user's to fix, exit 2
  | 'E_STATE' // a checkpoint that is corrupt or belongs to another run, exit 2
  | 'E_STATE_WRITE'; // a checkpoint that could not be written: stop rather than run unrecorded

interface Options {
  readonly code?: ErrorCode;
  readonly cause?: unknown;
}

/** A mistake in how taskmaster was called: printed as one line, never as a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code: ErrorCode;
  constructor(message: string, { code = 'E_USAGE', cause }: Options = {}) {
    super(message, { cause });
    this.code = code;
  }
}

/** A checkpoint that cannot be trusted or cannot be written. */
export class StateError extends Error {
  override readonly name = 'StateError';
  readonly code: ErrorCode;
  constructor(message: string, { code = 'E_STATE', cause }: Options = {}) {
    super(message, { cause });
    this.code = code;
  }
}

/** Whether an error is the user's to fix (exit 2, one line) rather than a fault of ours. */
export function isUserError(error: unknown): error is UsageError | StateError {
  return error instanceof UsageError || (error instanceof StateError && error.code === 'E_STATE');
}

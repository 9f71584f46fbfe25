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

/**
 * Which kind of our errors an error is, under a key every copy of this package shares: a task
 * module may load another copy of it (a source run from src/ under tsx, a project with two
 * installs), and its UsageError must still be one line, exit 2, not a stack trace.
 */
const KIND = Symbol.for('taskmaster-ts.error-kind');

type Kind = 'UsageError' | 'StateError';

function isKind(value: unknown, kind: Kind): boolean {
  return typeof value === 'object' && value !== null && (value as { [KIND]?: unknown })[KIND] === kind;
}

/** What every error of taskmaster has: a stable `code`, and the failure beneath it in `cause`. */
abstract class TaskmasterError extends Error {
  readonly code: ErrorCode;
  readonly [KIND]: Kind;
  constructor(message: string, code: ErrorCode, cause: unknown, kind: Kind) {
    super(message, { cause });
    this.code = code;
    this[KIND] = kind;
  }
}

/** A mistake in how taskmaster was called: printed as one line, never as a stack trace. */
export class UsageError extends TaskmasterError {
  override readonly name = 'UsageError';
  constructor(message: string, { code = 'E_USAGE', cause }: Options = {}) {
    super(message, code, cause, 'UsageError');
  }

  /** `instanceof` holds for a UsageError of any copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isKind(value, 'UsageError');
  }
}

/** A checkpoint that cannot be trusted or cannot be written. */
export class StateError extends TaskmasterError {
  override readonly name = 'StateError';
  constructor(message: string, { code = 'E_STATE', cause }: Options = {}) {
    super(message, code, cause, 'StateError');
  }

  /** `instanceof` holds for a StateError of any copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isKind(value, 'StateError');
  }
}

/** Whether an error is the user's to fix (exit 2, one line) rather than a fault of ours. */
export function isUserError(error: unknown): error is UsageError | StateError {
  return error instanceof UsageError || (error instanceof StateError && error.code === 'E_STATE');
}

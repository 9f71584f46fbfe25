/** Waiting for events and conditions with deadlines: the chaos driver never sleeps blindly. */
import { setTimeout as delay } from 'node:timers/promises';

/** Why the driver gave up waiting, with what it waited for and how long. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  readonly code = 'E_DEADLINE';
}

/** `promise`, or a DeadlineError naming `what` once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const abort = new AbortController();
  try {
    return await Promise.race([
      promise,
      delay(ms, undefined, { signal: abort.signal }).then(() => {
        throw new DeadlineError(`gave up after ${ms} ms waiting for ${what}`);
      }),
    ]);
  } finally {
    abort.abort();
  }
}

export interface UntilOptions {
  /** Most milliseconds to wait. */
  readonly timeout: number;
  /** Milliseconds between looks. @default 20 */
  readonly interval?: number;
  /** Checked at each look: a reason to give up now (e.g. the master exited), or undefined. */
  readonly abortIf?: () => string | undefined;
}

/** Resolves with the first value of `look()` that is neither undefined nor false, polled until `timeout`. */
export async function until<T>(look: () => T | undefined | false, what: string, { timeout, interval = 20, abortIf }: UntilOptions): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = look();
    if (value !== undefined && value !== false) return value;
    const reason = abortIf?.();
    if (reason !== undefined) throw new DeadlineError(`stopped waiting for ${what}: ${reason}`);
    if (Date.now() > deadline) throw new DeadlineError(`gave up after ${timeout} ms waiting for ${what}`);
    await delay(interval);
  }
}

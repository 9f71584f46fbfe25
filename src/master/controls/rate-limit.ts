/**
 * `--rate`: how many jobs may start per unit of time across all slaves. The master enforces it
 * with one token bucket that the batch policy draws from before it puts a job in a batch, so the
 * cap holds whatever the number of slaves. Retries and jobs handed back draw tokens too: each is
 * a job starting again.
 */
import { UsageError } from '../../common/errors.js';

/** The bucket holds at most this many seconds' worth of tokens (and at least one): the largest burst after a pause. */
export const BURST_SECONDS = 0.05;
/** Fewest milliseconds between wake-ups while dispatch waits for tokens: at high rates a batch takes what accrued meanwhile. */
const MIN_WAIT_MS = 4;

/** Jobs a second from `--rate`'s `N/s` or `N/min` (N > 0, decimals allowed); anything else is a usage error. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\/(s|min)$/.exec(String(text).trim());
  const n = match === null ? NaN : Number(match[1]);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`Expected \`--rate\` to be N/s or N/min (N > 0), got \`${text}\``);
  return match![2] === 's' ? n : n / 60;
}

export interface TokenBucketOptions {
  /** Tokens (jobs) a second. */
  readonly perSecond: number;
  /** Called once tokens are due, after dispatch found none. */
  readonly onRefill: () => void;
  /** The clock, in milliseconds. @default performance.now */
  readonly now?: () => number;
}

/**
 * A token bucket of jobs: it fills at `perSecond` up to `capacity` (BURST_SECONDS' worth, at
 * least one), and starts with one token when first drawn from, not when made: a master waiting
 * for its first slave saves up no burst. So over any window of T seconds at most
 * `perSecond × T + capacity` jobs are dispatched, and in a run that always wants more, about
 * `perSecond × T`.
 */
export class TokenBucket {
  readonly perSecond: number;
  readonly capacity: number;
  readonly #onRefill: () => void;
  readonly #now: () => number;
  #tokens = 1;
  /** When `#tokens` was last brought up to date; undefined until the first draw. */
  #at: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor({ perSecond, onRefill, now = () => performance.now() }: TokenBucketOptions) {
    this.perSecond = perSecond;
    this.capacity = Math.max(1, Math.floor(perSecond * BURST_SECONDS));
    this.#onRefill = onRefill;
    this.#now = now;
  }

  /** Whole tokens there are now. When there are none, `onRefill` is called once one is due. */
  allowance(): number {
    this.#fill();
    const whole = Math.floor(this.#tokens);
    if (whole === 0) this.#arm();
    return whole;
  }

  /** Takes `n` tokens, of at most what `allowance` just said. */
  spend(n: number): void {
    this.#tokens -= n;
  }

  /** Stops the wake-up timer; `onRefill` is not called again. Idempotent. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fill(): void {
    const now = this.#now();
    if (this.#at !== undefined) this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) * this.perSecond) / 1000);
    this.#at = now;
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const due = ((1 - this.#tokens) * 1000) / this.perSecond;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onRefill();
    }, Math.max(MIN_WAIT_MS, Math.ceil(due)));
    // The master's socket keeps the process alive while it runs; this timer must not once it has ended.
    this.#timer.unref();
  }
}

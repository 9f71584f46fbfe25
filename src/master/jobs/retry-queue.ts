/**
 * Every job that failed and may run again: its attempts, its backoff, and the slave it should
 * avoid. One owner for all of retry: the recorder asks it whether a failure is retried, the batch
 * policy takes ready retries from it ahead of fresh jobs, and JOBS carry its attempt counts.
 *
 * Holds at most the jobs that failed while in flight, so it is bounded by credit, not by the size
 * of the run. One timer serves every waiting job.
 */

export interface RetryQueueOptions {
  /** Retries of a failing job before it is dead-lettered. */
  readonly retries: number;
  /** Base of the exponential backoff, in ms. */
  readonly backoffMs: number;
  /** Called when jobs become ready to send (their backoff is over). */
  readonly onReady: () => void;
  /** @default Math.random */
  readonly random?: () => number;
}

/** A failed job waiting out its backoff, or ready to go. */
interface Retry {
  readonly seq: number;
  readonly due: number;
  /** The slave it last failed on: the next attempt prefers another. */
  readonly avoid: string;
}

/** Backoff before attempt `attempt` (1 = first retry): exponential, capped at 30 s, with half of it jitter. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** (attempt - 1), 30_000);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class RetryQueue {
  readonly #options: RetryQueueOptions;
  /** Attempts made so far, for the few held jobs that failed at least once (most never do). */
  readonly #attempts = new Map<number, number>();
  #waiting: Retry[] = [];
  #ready: Retry[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RetryQueueOptions) {
    this.#options = options;
  }

  /** Jobs waiting out a backoff or ready to go: failed, not yet sent again. */
  get size(): number {
    return this.#waiting.length + this.#ready.length;
  }

  /** Jobs whose backoff is over, not yet sent. */
  get ready(): number {
    return this.#ready.length;
  }

  /** Whether any held job has failed before (so JOBS must carry attempts). */
  get anyRetried(): boolean {
    return this.#attempts.size > 0;
  }

  /** Attempts made so far at `seq`: 0 for a job that never failed. */
  attempt(seq: number): number {
    return this.#attempts.get(seq) ?? 0;
  }

  /**
   * Counts a failed attempt at `seq` on slave `slave`. Returns the attempts made so far, and
   * whether it runs again (then after its backoff, preferably elsewhere) or is to be dead-lettered.
   */
  fail(seq: number, slave: string): { attempts: number; retry: boolean } {
    const attempts = this.attempt(seq) + 1;
    this.#attempts.set(seq, attempts);
    const retry = attempts <= this.#options.retries;
    if (retry) {
      const { backoffMs: base, random } = this.#options;
      this.#waiting.push({ seq, avoid: slave, due: Date.now() + backoffMs(attempts, base, random) });
      this.#arm();
    }
    return { attempts, retry };
  }

  /** Forgets a finished job's attempts. */
  settle(seq: number): void {
    this.#attempts.delete(seq);
  }

  /** Takes up to `n` ready retries for slave `slave`, skipping those that failed there unless it is `alone`. */
  take(n: number, slave: string, alone: boolean): number[] {
    const seqs: number[] = [];
    if (this.#ready.length === 0) return seqs;
    const keep: Retry[] = [];
    for (const retry of this.#ready) {
      if (seqs.length < n && (alone || retry.avoid !== slave)) seqs.push(retry.seq);
      else keep.push(retry);
    }
    this.#ready = keep;
    return seqs;
  }

  /**
   * A stopping run does not wait out backoffs: the retries are dropped here, and their jobs stay
   * unfinished in the state, so the next run on it pulls them again.
   */
  abandon(): void {
    this.#waiting = [];
    this.#ready = [];
    this.close();
  }

  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.close();
    if (this.#waiting.length === 0) return;
    let next = Infinity;
    for (const retry of this.#waiting) next = Math.min(next, retry.due);
    this.#timer = setTimeout(() => this.#release(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }

  #release(): void {
    const now = Date.now();
    const due = this.#waiting.filter((retry) => retry.due <= now);
    this.#waiting = this.#waiting.filter((retry) => retry.due > now);
    this.#ready.push(...due);
    this.#arm();
    if (due.length > 0) this.#options.onReady();
  }
}

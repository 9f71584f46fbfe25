import type { PendingJob } from './source.js';

/** A failed job waiting out its backoff before it may run again. */
interface Waiting {
  readonly job: PendingJob;
  readonly due: number;
  /** The slave it last failed on: the next attempt prefers another. */
  readonly avoid: string;
}

/** Backoff before attempt `attempt` (1 = first retry): exponential, capped, with full jitter. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** (attempt - 1), 30_000);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Failed jobs between attempts. Holds at most the jobs that failed while in flight, so it is
 * bounded by credit, not by the size of the run. One timer serves all of them.
 */
export class RetryQueue {
  readonly #baseMs: number;
  readonly #release: (job: PendingJob, avoid: string) => void;
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** `release` is called with each job once its backoff is over. */
  constructor(baseMs: number, release: (job: PendingJob, avoid: string) => void) {
    this.#baseMs = baseMs;
    this.#release = release;
  }

  get size(): number {
    return this.#waiting.length;
  }

  /** Schedules `job` (its `attempt` already raised) to run again after a backoff. */
  schedule(job: PendingJob, avoid: string): void {
    this.#waiting.push({ job, avoid, due: Date.now() + backoffMs(job.attempt, this.#baseMs) });
    this.#arm();
  }

  /** Releases every waiting job now (a graceful stop has no time to wait). */
  flush(): PendingJob[] {
    const jobs = this.#waiting.map((w) => w.job);
    this.#waiting = [];
    this.#disarm();
    return jobs;
  }

  close(): void {
    this.#disarm();
  }

  #arm(): void {
    this.#disarm();
    if (this.#waiting.length === 0) return;
    const next = Math.min(...this.#waiting.map((w) => w.due));
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    const now = Date.now();
    const due = this.#waiting.filter((w) => w.due <= now);
    this.#waiting = this.#waiting.filter((w) => w.due > now);
    for (const w of due) this.#release(w.job, w.avoid);
    this.#arm();
  }
}

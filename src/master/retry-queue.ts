/** A failed job waiting out its backoff before it may run again. */
interface Waiting {
  readonly seq: number;
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
  readonly #release: (seq: number, avoid: string) => void;
  #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** `release` is called with each job's seq once its backoff is over. */
  constructor(baseMs: number, release: (seq: number, avoid: string) => void) {
    this.#baseMs = baseMs;
    this.#release = release;
  }

  get size(): number {
    return this.#waiting.length;
  }

  /** Schedules job `seq` to run again after the backoff before attempt `attempt` (1 = first retry). */
  schedule(seq: number, attempt: number, avoid: string): void {
    this.#waiting.push({ seq, avoid, due: Date.now() + backoffMs(attempt, this.#baseMs) });
    this.#arm();
  }

  /** Releases every waiting job now (a graceful stop has no time to wait); returns their seqs. */
  flush(): number[] {
    const seqs = this.#waiting.map((w) => w.seq);
    this.#waiting = [];
    this.#disarm();
    return seqs;
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
    for (const w of due) this.#release(w.seq, w.avoid);
    this.#arm();
  }
}

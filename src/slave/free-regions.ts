/** The pool's progress regions: one for each batch it holds, at most `size`, reused batch after batch. */
import { BatchProgress } from './batch-progress.js';

/** Lends progress regions to batches, and wakes a batch waiting for one as one is given back. */
export class FreeRegions {
  readonly #size: number;
  /** Regions now free, for the next batches; made as needed, up to `size`, then reused. */
  readonly #free: BatchProgress[] = [];
  #made = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** A free region, a new one while fewer than `size` exist, else undefined. */
  take(): BatchProgress | undefined {
    const free = this.#free.pop();
    if (free !== undefined || this.#made === this.#size) return free;
    this.#made++;
    return new BatchProgress();
  }

  /** Resolves as a region is given back, or at `wakeAll`; `take` may still find none (a caller in between took it). */
  released(): Promise<void> {
    return new Promise<void>((wake) => this.#waiting.push(wake));
  }

  release(progress: BatchProgress): void {
    this.#free.push(progress);
    this.#waiting.shift()?.();
  }

  /** Wakes every batch waiting for a region, to find the pool closing. */
  wakeAll(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

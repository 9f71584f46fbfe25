/** The pool's slots: a progress region for each batch it holds, at most `size`, reused batch after batch. */
import { BatchProgress } from './batch-progress.js';

/** Hands out slots' progress regions to batchs, and wakes a batch waiting for one as one is released. */
export class FreeRegions {
  readonly #size: number;
  /** Progress regions of slots now free, for the next batchs; made as needed, up to `size`, then reused. */
  readonly #free: BatchProgress[] = [];
  #made = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** A free slot's progress region, a new one while fewer than `size` exist, else undefined. */
  take(): BatchProgress | undefined {
    const free = this.#free.pop();
    if (free !== undefined || this.#made === this.#size) return free;
    this.#made++;
    return new BatchProgress();
  }

  /** Resolves as a slot is released, or at `wakeAll`; `take` may still find none (a caller in between took it). */
  released(): Promise<void> {
    return new Promise<void>((wake) => this.#waiting.push(wake));
  }

  release(progress: BatchProgress): void {
    this.#free.push(progress);
    this.#waiting.shift()?.();
  }

  /** Wakes every batch waiting for a slot, to find the pool closing. */
  wakeAll(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

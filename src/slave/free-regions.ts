/** The pool's slots: a progress region for each chunk it holds, at most `size`, reused chunk after chunk. */
import { SlotProgress } from './batch-progress.js';

/** Hands out slots' progress regions to chunks, and wakes a chunk waiting for one as one is released. */
export class FreeSlots {
  readonly #size: number;
  /** Progress regions of slots now free, for the next chunks; made as needed, up to `size`, then reused. */
  readonly #free: SlotProgress[] = [];
  #made = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** A free slot's progress region, a new one while fewer than `size` exist, else undefined. */
  take(): SlotProgress | undefined {
    const free = this.#free.pop();
    if (free !== undefined || this.#made === this.#size) return free;
    this.#made++;
    return new SlotProgress();
  }

  /** Resolves as a slot is released, or at `wakeAll`; `take` may still find none (a caller in between took it). */
  released(): Promise<void> {
    return new Promise<void>((wake) => this.#waiting.push(wake));
  }

  release(progress: SlotProgress): void {
    this.#free.push(progress);
    this.#waiting.shift()?.();
  }

  /** Wakes every chunk waiting for a slot, to find the pool closing. */
  wakeAll(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

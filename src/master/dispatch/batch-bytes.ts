import { MAX_MESSAGE_SIZE } from '../../protocol/messages.js';

/**
 * Most bytes of packed jobs a JOBS message should carry. Far under MAX_MESSAGE_SIZE, past which a
 * slave's socket drops the connection (and the batch, sent again, would drop it again), and small
 * enough that one message does not stall the socket for long.
 */
export const BATCH_BYTES = 4 * 1024 * 1024;

/** Most bytes one job may pack to: a JOBS holding it alone must still fit in a message. */
export const MAX_JOB_BYTES = MAX_MESSAGE_SIZE - 1024 * 1024;

/** How many jobs fit in BATCH_BYTES, from what batches have packed to so far. */
export class BatchBytes {
  /** Moving average of packed bytes per job; 0 until the first batch. */
  #perJob = 0;

  /** `n`, or fewer if `n` jobs would pack to more than BATCH_BYTES; never less than 1. */
  limit(n: number): number {
    return this.#perJob === 0 ? n : Math.max(1, Math.min(n, Math.floor(BATCH_BYTES / this.#perJob)));
  }

  /** Folds in a batch of `jobs` that packed to `bytes`. */
  observe(bytes: number, jobs: number): void {
    const sample = bytes / jobs;
    this.#perJob = this.#perJob === 0 ? sample : this.#perJob * 0.8 + sample * 0.2;
  }
}

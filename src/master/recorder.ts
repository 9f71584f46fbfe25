import type { Logger } from '../log.js';
import type { Checkpoint, Completion } from './checkpoint.js';
import type { Outcome } from './dispatcher.js';
import type { Ledger } from './ledger.js';
import type { RetryQueue } from './retries.js';

export interface RecorderOptions {
  readonly retries: number;
  readonly handleResult: ((result: unknown, job: unknown) => unknown) | undefined;
  readonly logger: Logger;
}

/** What this incarnation of the master has recorded. */
export interface RecorderCounts {
  done: number;
  failed: number;
  retried: number;
  duplicates: number;
}

/**
 * Turns outcomes into state: successes (after `handleResult`) and exhausted failures into the
 * ledger and the completion log, other failures into the retry queue.
 */
export class Recorder {
  readonly #ledger: Ledger;
  readonly #checkpoint: Checkpoint;
  readonly #retryQueue: RetryQueue;
  readonly #options: RecorderOptions;
  readonly counts: RecorderCounts = { done: 0, failed: 0, retried: 0, duplicates: 0 };

  constructor(ledger: Ledger, checkpoint: Checkpoint, retryQueue: RetryQueue, options: RecorderOptions) {
    this.#ledger = ledger;
    this.#checkpoint = checkpoint;
    this.#retryQueue = retryQueue;
    this.#options = options;
  }

  /** Records a DONE batch; the completion log is written before this returns. */
  async record(outcomes: readonly Outcome[]): Promise<void> {
    const errors = this.#options.handleResult === undefined ? undefined : await this.#routeResults(outcomes);
    const completions: Completion[] = [];
    for (let i = 0; i < outcomes.length; i++) {
      const { job, result, slave } = outcomes[i]!;
      const error = result.ok ? errors?.[i] : result.error;
      if (error === undefined) {
        if (this.#ledger.finish(job.seq, job.cursor)) {
          completions.push(job.cursor === undefined ? { seq: job.seq } : { seq: job.seq, cursor: job.cursor });
          this.counts.done++;
        } else {
          this.counts.duplicates++;
        }
      } else if (job.attempt < this.#options.retries) {
        job.attempt++;
        this.counts.retried++;
        this.#options.logger.debug(`job ${job.seq} failed on ${slave.name} (attempt ${job.attempt}): ${error.message}; retrying`);
        this.#retryQueue.schedule(job, slave.key);
      } else {
        const attempts = job.attempt + 1;
        this.#checkpoint.deadLetter({ seq: job.seq, cursor: job.cursor, job: job.job, attempts, error, slave: slave.name });
        this.#options.logger.limited('warn', 'dead-letter', `job ${job.seq} failed after ${attempts} attempts on ${slave.name}: ${error.message}`);
        if (this.#ledger.finish(job.seq, job.cursor, true)) {
          completions.push({ seq: job.seq, cursor: job.cursor, failed: true });
          this.counts.failed++;
        }
      }
    }
    if (completions.length > 0) this.#checkpoint.append(completions);
  }

  /** Runs `handleResult` for each success; a throw fails that job like its handler would. */
  async #routeResults(outcomes: readonly Outcome[]): Promise<Array<{ message: string; stack?: string } | undefined>> {
    const handle = this.#options.handleResult!;
    const settled = await Promise.allSettled(outcomes.map((o) => (o.result.ok ? handle(o.result.result, o.job.job) : undefined)));
    return settled.map((s) => {
      if (s.status === 'fulfilled') return undefined;
      const error = s.reason instanceof Error ? s.reason : new Error(String(s.reason));
      return { message: `handleResult failed: ${error.message}`, ...(error.stack === undefined ? {} : { stack: error.stack }) };
    });
  }
}

import type { Logger } from '../log.js';
import type { WireError } from '../protocol/messages.js';
import type { Checkpoint, Completion } from './checkpoint.js';
import type { Report } from './dispatcher.js';
import type { Ledger } from './ledger.js';
import type { RetryQueue } from './retries.js';
import type { PendingJob } from './source.js';

export interface RecorderOptions {
  readonly retries: number;
  readonly handleResult: ((result: unknown, job: unknown) => unknown) | undefined;
  readonly logger: Logger;
  /** How a job's seq reads in log lines (a --retry-failed run names the original seq). @default String */
  readonly describeSeq?: ((seq: number) => string) | undefined;
}

/** What this incarnation of the master has recorded. */
export interface RecorderCounts {
  done: number;
  failed: number;
  retried: number;
}

/**
 * Turns reports into state: successes (after `handleResult`) and exhausted failures into the
 * ledger and the completion log, other failures into the retry queue.
 */
export class Recorder {
  readonly #ledger: Ledger;
  readonly #checkpoint: Checkpoint;
  readonly #retryQueue: RetryQueue;
  readonly #options: RecorderOptions;
  readonly counts: RecorderCounts = { done: 0, failed: 0, retried: 0 };

  constructor(ledger: Ledger, checkpoint: Checkpoint, retryQueue: RetryQueue, options: RecorderOptions) {
    this.#ledger = ledger;
    this.#checkpoint = checkpoint;
    this.#retryQueue = retryQueue;
    this.#options = options;
  }

  /** Records a DONE batch; the completion log is written before this returns. */
  async record({ slave, jobs, errors, results }: Report): Promise<void> {
    const resultErrors = this.#options.handleResult === undefined ? undefined : await this.#routeResults(jobs, errors, results);
    const completions: Completion[] = [];
    // Consecutive successes are recorded as one range: the common case costs O(ranges), not O(jobs).
    let runStart = -1;
    let runEnd: PendingJob | undefined;
    const closeRun = (): void => {
      if (runEnd === undefined) return;
      this.counts.done += this.#ledger.finishRange(runStart, runEnd.seq, runEnd.cursor);
      completions.push({ seq: runStart, end: runEnd.seq, cursor: runEnd.cursor });
      runEnd = undefined;
    };
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      const error = errors?.[i] ?? resultErrors?.[i];
      if (error === undefined) {
        if (runEnd === undefined || job.seq !== runEnd.seq + 1) {
          closeRun();
          runStart = job.seq;
        }
        runEnd = job;
        continue;
      }
      closeRun();
      if (job.attempt < this.#options.retries) {
        job.attempt++;
        this.counts.retried++;
        this.#options.logger.debug(`job ${this.#describe(job.seq)} failed on ${slave.name} (attempt ${job.attempt}): ${error.message}; retrying`);
        this.#retryQueue.schedule(job, slave.key);
        continue;
      }
      const attempts = job.attempt + 1;
      this.#checkpoint.deadLetter({ seq: job.seq, cursor: job.cursor, job: job.job, attempts, error, slave: slave.name });
      this.#options.logger.limited('warn', 'dead-letter', `job ${this.#describe(job.seq)} failed after ${attempts} attempts on ${slave.name}: ${error.message}`);
      if (this.#ledger.finish(job.seq, job.cursor, true)) {
        completions.push({ seq: job.seq, cursor: job.cursor, failed: true });
        this.counts.failed++;
      }
    }
    closeRun();
    if (completions.length > 0) this.#checkpoint.append(completions);
  }

  #describe(seq: number): string {
    return this.#options.describeSeq?.(seq) ?? String(seq);
  }

  /** Runs `handleResult` for each success; a throw fails that job like its handler would. */
  async #routeResults(
    jobs: readonly PendingJob[],
    errors: ReadonlyArray<WireError | undefined> | undefined,
    results: readonly unknown[] | undefined,
  ): Promise<Array<WireError | undefined>> {
    const handle = this.#options.handleResult!;
    const settled = await Promise.allSettled(jobs.map((job, i) => (errors?.[i] === undefined ? handle(results?.[i], job.job) : undefined)));
    return settled.map((s) => {
      if (s.status === 'fulfilled') return undefined;
      const error = s.reason instanceof Error ? s.reason : new Error(String(s.reason));
      return { message: `handleResult failed: ${error.message}`, ...(error.stack === undefined ? {} : { stack: error.stack }) };
    });
  }
}

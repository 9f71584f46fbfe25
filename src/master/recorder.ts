import type { Logger } from '../log.js';
import type { WireError } from '../protocol/messages.js';
import type { Checkpoint, Completion } from './state/checkpoint.js';
import type { Report } from './dispatch/dispatcher.js';
import type { JobTable } from './job-table.js';
import type { Ledger } from './ledger.js';
import type { RetryQueue } from './retry-queue.js';

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
 * ledger and the completion log, and out of the job table; other failures into the retry queue.
 */
export class Recorder {
  readonly #ledger: Ledger;
  readonly #table: JobTable;
  readonly #checkpoint: Checkpoint;
  readonly #retryQueue: RetryQueue;
  readonly #options: RecorderOptions;
  readonly counts: RecorderCounts = { done: 0, failed: 0, retried: 0 };

  constructor(ledger: Ledger, table: JobTable, checkpoint: Checkpoint, retryQueue: RetryQueue, options: RecorderOptions) {
    this.#ledger = ledger;
    this.#table = table;
    this.#checkpoint = checkpoint;
    this.#retryQueue = retryQueue;
    this.#options = options;
  }

  /** Records a DONE batch; the completion log is written before this returns. */
  async record({ slave, seqs, errors, results }: Report): Promise<void> {
    const table = this.#table;
    const resultErrors = this.#options.handleResult === undefined ? undefined : await this.#routeResults(seqs, errors, results);
    const completions: Completion[] = [];
    // Consecutive successes are recorded as one range: the common case costs O(ranges), not O(jobs).
    let runStart = -1;
    let runEnd = -1;
    const closeRun = (): void => {
      if (runStart < 0) return;
      const cursor = table.cursor(runEnd);
      this.counts.done += this.#ledger.finishRange(runStart, runEnd, cursor);
      completions.push({ seq: runStart, end: runEnd, cursor });
      for (let seq = runStart; seq <= runEnd; seq++) table.release(seq);
      runStart = -1;
    };
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i]!;
      const error = errors?.[i] ?? resultErrors?.[i];
      if (error === undefined) {
        if (runStart < 0 || seq !== runEnd + 1) {
          closeRun();
          runStart = seq;
        }
        runEnd = seq;
        continue;
      }
      closeRun();
      const attempts = table.failed(seq);
      if (attempts <= this.#options.retries) {
        this.counts.retried++;
        this.#options.logger.debug(`job ${this.#describe(seq)} failed on ${slave.name} (attempt ${attempts}): ${error.message}; retrying`);
        this.#retryQueue.schedule(seq, attempts, slave.key);
        continue;
      }
      const cursor = table.cursor(seq);
      this.#checkpoint.deadLetter({ seq, cursor, job: table.job(seq), attempts, error, slave: slave.name });
      this.#options.logger.limited('warn', 'dead-letter', `job ${this.#describe(seq)} failed after ${attempts} attempts on ${slave.name}: ${error.message}`);
      if (this.#ledger.finish(seq, cursor, true)) {
        completions.push({ seq, cursor, failed: true });
        this.counts.failed++;
      }
      table.release(seq);
    }
    closeRun();
    if (completions.length > 0) this.#checkpoint.append(completions);
  }

  #describe(seq: number): string {
    return this.#options.describeSeq?.(seq) ?? String(seq);
  }

  /** Runs `handleResult` for each success; a throw fails that job like its handler would. */
  async #routeResults(
    seqs: readonly number[],
    errors: ReadonlyArray<WireError | undefined> | undefined,
    results: readonly unknown[] | undefined,
  ): Promise<Array<WireError | undefined>> {
    const handle = this.#options.handleResult!;
    const settled = await Promise.allSettled(seqs.map((seq, i) => (errors?.[i] === undefined ? handle(results?.[i], this.#table.job(seq)) : undefined)));
    return settled.map((s) => {
      if (s.status === 'fulfilled') return undefined;
      const error = s.reason instanceof Error ? s.reason : new Error(String(s.reason));
      return { message: `handleResult failed: ${error.message}`, ...(error.stack === undefined ? {} : { stack: error.stack }) };
    });
  }
}

import type { Logger } from '../../common/log.js';
import type { WireError } from '../../protocol/messages.js';
import { toWireError } from '../../protocol/wire-error.js';
import { DEAD, FAILED, type JobLog } from '../controls/job-log.js';
import type { Checkpoint, Completion } from '../state/checkpoint.js';
import type { JobTable } from './job-table.js';
import type { Ledger } from '../state/ledger.js';
import type { RetryQueue } from './retry-queue.js';
import type { RunObserver } from './run-observer.js';
import { ChannelOutput, refuseChannelOutput } from '../results/channel-output.js';
import type { OutputSink } from '../results/output-sink.js';
import type { ResultHandler } from '../master-options.js';
import type { Cursor, RejectedJob } from '../../task/task.js';
import { plural } from '../../common/plural.js';

/** What a slave reported for jobs it had: each job's error if it failed, its result if wanted. */
export interface Report {
  /** The slave, by its key (for retries to avoid) and its name (for log lines). */
  readonly slave: { readonly key: string; readonly name: string };
  /** The jobs' seqs, in the order reported; the jobs are still held in the table. */
  readonly seqs: readonly number[];
  /** Per job, the error of a failure, when any failed. */
  readonly errors: ReadonlyArray<WireError | undefined> | undefined;
  /** Per job, its result, when results are wanted. */
  readonly results: readonly unknown[] | undefined;
  /** Per job, `[start (ms since the epoch), handler ms]`, when the slave sent them (for the job log). */
  readonly timings?: Float64Array | undefined;
  /** The job log's line of every job, made by the slave (DONE's `logLines`), when it held them all. */
  readonly logLines?: Uint8Array | undefined;
}

export interface RecorderOptions {
  readonly handleResult: ResultHandler | undefined;
  /** Where results and channel output go (`--results`, `--channels`), written before the completions. @default none */
  readonly outputs?: OutputSink | undefined;
  readonly logger: Logger;
  /** How a job's seq reads in log lines (a --retry-failed run names the original seq). */
  readonly describeSeq: (seq: number) => string;
  /** Where a line per finished attempt goes (`--joblog`). @default none */
  readonly jobLog?: JobLog | undefined;
  /** Called with the counts after each report is recorded (`--max-failures` looks). @default none */
  readonly onRecorded?: ((counts: RecorderCounts) => void) | undefined;
  /** Told of each failed attempt and dead letter (for --http). @default none */
  readonly observer?: RunObserver | undefined;
}

/** What this incarnation of the master has recorded. */
export interface RecorderCounts {
  done: number;
  failed: number;
}

/**
 * Turns reports into state: successes (after `handleResult`) and exhausted failures into the
 * ledger and the completion log, and out of the job table; other failures into the retry queue.
 */
export class Recorder {
  readonly #ledger: Ledger;
  readonly #table: JobTable;
  readonly #checkpoint: Checkpoint;
  readonly #retries: RetryQueue;
  readonly #options: RecorderOptions;
  readonly counts: RecorderCounts = { done: 0, failed: 0 };

  constructor(ledger: Ledger, table: JobTable, checkpoint: Checkpoint, retries: RetryQueue, options: RecorderOptions) {
    this.#ledger = ledger;
    this.#table = table;
    this.#checkpoint = checkpoint;
    this.#retries = retries;
    this.#options = options;
  }

  /** Records a DONE batch; the completion log is written before this returns. */
  async record(report: Report): Promise<void> {
    const { slave, seqs, errors, results } = report;
    const table = this.#table;
    const retries = this.#retries;
    const handled = this.#options.handleResult === undefined ? undefined : await this.#routeResults(seqs, errors, results);
    // From here on nothing awaits until the completions are logged: the output is in its files first, and no report comes between.
    const outputs = this.#options.outputs;
    // Output files count as the state does: none is written once another master holds the lock.
    if (outputs !== undefined) this.#checkpoint.fence();
    const refused = outputs === undefined ? refuseChannelOutput(results) : outputs.write(seqs, results, (i) => errors?.[i] !== undefined || handled?.[i] !== undefined, (seq) => table.job(seq));
    const resultErrors = refused === undefined ? handled : seqs.map((_, i) => handled?.[i] ?? refused[i]);
    const jobLog = this.#options.jobLog;
    // For the job log: each job's attempt, taken before its failure counts another; and how it ended (OK unless set).
    const attempts = jobLog !== undefined && retries.anyRetried ? seqs.map((seq) => retries.attempt(seq)) : undefined;
    const outcomes = jobLog && new Uint8Array(seqs.length);
    const completions: Completion[] = [];
    // Consecutive successes are recorded as one range: the common case costs O(ranges), not O(jobs).
    let runStart = -1;
    let runEnd = -1;
    const closeRun = (): void => {
      if (runStart < 0) return;
      const cursor = table.cursor(runEnd);
      this.counts.done += this.#ledger.finishRange(runStart, runEnd, cursor);
      completions.push({ seq: runStart, end: runEnd, cursor });
      const retried = retries.anyRetried;
      for (let seq = runStart; seq <= runEnd; seq++) {
        table.release(seq);
        if (retried) retries.settle(seq);
      }
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
      const { attempts, retry } = retries.fail(seq, slave.key);
      this.#options.observer?.failed(retry);
      if (outcomes !== undefined) outcomes[i] = retry ? FAILED : DEAD;
      if (retry) {
        this.#options.logger.debug(`job ${this.#options.describeSeq(seq)} failed on ${slave.name} (attempt ${attempts}): ${error.message}; retrying`);
        continue;
      }
      const cursor = table.cursor(seq);
      this.#checkpoint.deadLetter({ seq, cursor, job: table.job(seq), attempts, error, slave: slave.name });
      this.#options.observer?.deadLettered({ job: this.#options.describeSeq(seq), attempts, slave: slave.name, error: error.message });
      this.#options.logger.limited('warn', 'dead-letter', `job ${this.#options.describeSeq(seq)} failed after ${plural(attempts, 'attempt')} on ${slave.name}: ${error.message}`);
      if (this.#ledger.finish(seq, cursor, true)) {
        completions.push({ seq, cursor, failed: true });
        this.counts.failed++;
      }
      table.release(seq);
      retries.settle(seq);
    }
    closeRun();
    if (completions.length > 0) this.#checkpoint.append(completions);
    this.#options.onRecorded?.(this.counts);
    // The completions are in the state first: the log may wait for the disk, and dispatch with it.
    if (outcomes !== undefined) await jobLog!.write(report, { outcomes, attempts, resultErrors });
  }

  /**
   * Dead-letters a job its generator refused (`rejectJob`): 0 attempts, no slave, written before
   * the ledger counts it failed, as an exhausted failure is.
   */
  reject(seq: number, rejected: RejectedJob, cursor: Cursor | undefined): void {
    const { job, error } = rejected;
    this.#checkpoint.deadLetter({ seq, cursor, job, attempts: 0, error });
    this.#options.logger.limited('warn', 'dead-letter', `job ${this.#options.describeSeq(seq)} rejected by its generator, dead-lettered: ${error.message}`);
    if (this.#ledger.finish(seq, cursor, true)) {
      this.#checkpoint.append([{ seq, cursor, failed: true }]);
      this.counts.failed++;
    }
    this.#options.onRecorded?.(this.counts);
  }

  /** Runs `handleResult` for each success; a throw fails that job like its handler would. */
  async #routeResults(
    seqs: readonly number[],
    errors: ReadonlyArray<WireError | undefined> | undefined,
    results: readonly unknown[] | undefined,
  ): Promise<Array<WireError | undefined>> {
    const handle = this.#options.handleResult!;
    // Channel output is no result: handleResult sees undefined for it.
    const resultOf = (i: number): unknown => (results?.[i] instanceof ChannelOutput ? undefined : results?.[i]);
    const settled = await Promise.allSettled(seqs.map((seq, i) => (errors?.[i] === undefined ? settle(handle, resultOf(i), this.#table.job(seq)) : undefined)));
    return settled.map((s) => {
      if (s.status === 'fulfilled') return undefined;
      const error = toWireError(s.reason);
      return { ...error, message: `handleResult failed: ${error.message}` };
    });
  }
}

/** Calls `handle`, a synchronous throw included as a rejection: it fails that job, not the whole report. */
function settle(handle: ResultHandler, result: unknown, job: unknown): unknown {
  try {
    return handle(result, job);
  } catch (error) {
    return Promise.reject(error);
  }
}

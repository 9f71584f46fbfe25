/**
 * Jobs out at slaves: sent in JOBS, matched back from DONEs against what was sent, and put back
 * in the buffer when their slave leaves, reconnects or goes silent past its lease.
 */
import { pack } from '../../protocol/codec.js';
import type { Done, MasterMessage, WireError } from '../../protocol/messages.js';
import { forEachSeq, toRuns, type SeqRuns } from '../../protocol/seq-runs.js';
import { readTimings, timingsAt } from '../../protocol/timings.js';
import type { Logger } from '../../common/log.js';
import type { JobTable } from '../jobs/job-table.js';
import type { Report } from '../jobs/recorder.js';
import type { RetryQueue } from '../jobs/retry-queue.js';
import type { RunObserver } from '../jobs/run-observer.js';
import type { JobSource } from '../jobs/job-buffer.js';
import { ChannelOutput } from '../results/channel-output.js';
import { BATCH_BYTES, MAX_JOB_BYTES, type BatchBytes } from './batch-bytes.js';
import type { SlaveRecord } from './slave-record.js';
import { plural } from '../../common/plural.js';

export interface InFlightOptions {
  readonly runId: string;
  readonly logger: Logger;
  /** Queues a message for the socket. */
  readonly send: (id: Buffer, message: MasterMessage) => void;
  /** Records jobs that came back with an outcome (see Recorder). */
  readonly onReport: (report: Report) => Promise<void> | void;
  /** A --retry-failed run: the seq in the run of its job `seq`, which handlers are told. */
  readonly originOf?: ((seq: number) => number) | undefined;
  /** Told of each DONE's handler time and of each requeue (for --http). @default none */
  readonly observer?: RunObserver | undefined;
}

/** Counters for logs and tests. */
export interface InFlightStats {
  /** Seqs reported by a slave they were not out at. */
  dropped: number;
  requeued: number;
  /** JOBS messages sent, and the jobs in them: their ratio is the mean batch size. */
  batches: number;
  jobsSent: number;
}

export class InFlight {
  readonly #table: JobTable;
  readonly #source: JobSource;
  readonly #retries: RetryQueue;
  readonly #bytes: BatchBytes;
  readonly #options: InFlightOptions;
  readonly stats: InFlightStats = { dropped: 0, requeued: 0, batches: 0, jobsSent: 0 };

  constructor(table: JobTable, source: JobSource, retries: RetryQueue, bytes: BatchBytes, options: InFlightOptions) {
    this.#table = table;
    this.#source = source;
    this.#retries = retries;
    this.#bytes = bytes;
    this.#options = options;
  }

  /** Sends `seqs` to `slave` as one JOBS, or as several if they pack to more than BATCH_BYTES. */
  send(slave: SlaveRecord, seqs: readonly number[]): void {
    const table = this.#table;
    const values = new Array<unknown>(seqs.length);
    for (let i = 0; i < seqs.length; i++) values[i] = table.job(seqs[i]!);
    const jobs = pack(values);
    this.#bytes.observe(jobs.length, seqs.length);
    if (jobs.length > BATCH_BYTES && seqs.length > 1) {
      const half = Math.ceil(seqs.length / 2);
      this.send(slave, seqs.slice(0, half));
      this.send(slave, seqs.slice(half));
      return;
    }
    if (jobs.length > MAX_JOB_BYTES) return this.#tooLarge(slave, seqs[0]!, jobs.length);
    for (const seq of seqs) table.send(seq, slave);
    slave.sent(seqs.length);
    this.stats.batches++;
    this.stats.jobsSent += seqs.length;
    const retries = this.#retries;
    const attempts = retries.anyRetried ? seqs.map((seq) => retries.attempt(seq)) : undefined;
    const retried = attempts !== undefined && attempts.some((attempt) => attempt > 0);
    const { originOf, runId: run } = this.#options;
    const origins = originOf && { origins: seqs.map(originOf) };
    this.#options.send(slave.id, { command: 'JOBS', run, seqs: toRuns(seqs), ...(retried && { attempts }), ...origins, jobs });
  }

  /** Matches a DONE to the jobs out at `slave`; the report of those it held (others are dropped, counted). */
  land(slave: SlaveRecord, message: Done): Report {
    const table = this.#table;
    const failed = message.failures.length === 0 ? undefined : new Map(message.failures.map((f) => [f.index, f.error]));
    const seqs: number[] = [];
    const errors: Array<WireError | undefined> | undefined = failed && [];
    const results: unknown[] | undefined = message.results && [];
    const channeled = message.channeled && new Set(message.channeled);
    const sent = message.timings && readTimings(message.timings);
    /** Indexes of the seqs kept, once one is dropped (till then, all before it are). */
    let kept: number[] | undefined;
    let unknown = 0;
    let failures = 0;
    forEachSeq(message.seqs, (seq, index) => {
      if (!table.isAt(seq, slave)) {
        if (sent !== undefined) kept ??= Array.from({ length: index }, (_, i) => i);
        return void unknown++;
      }
      kept?.push(index);
      table.land(seq);
      seqs.push(seq);
      const error = failed?.get(index);
      if (error !== undefined) failures++;
      errors?.push(error);
      const result = message.results?.[index];
      results?.push(channeled?.has(index) === true ? new ChannelOutput(result as ReadonlyArray<[string, unknown]>) : result);
    });
    const timings = sent && (kept === undefined ? sent : timingsAt(sent, kept));
    if (unknown > 0) {
      this.stats.dropped += unknown;
      this.#options.logger.limited('warn', 'done-unknown', `dropped DONE from ${slave.name} for ${unknown} seqs not in flight there`);
    }
    slave.inFlight -= seqs.length;
    slave.observe(message.ms, seqs.length);
    this.#options.observer?.landed(message.ms, seqs.length + unknown);
    slave.counted(seqs.length, failures, Date.now());
    // The slave's job log lines are whole only when every seq of the DONE was still out there.
    const logLines = unknown === 0 ? message.logLines : undefined;
    return { slave, seqs, errors, results, ...(timings && { timings }), ...(logLines && { logLines }) };
  }

  /** Puts `runs` (all of the slave's in flight, if omitted) back at the head of the buffer. */
  giveBack(slave: SlaveRecord, runs: SeqRuns | undefined, why: string): void {
    // Nothing out there: no scan of the whole table (a thousand slaves leaving would make a thousand).
    if (runs === undefined && slave.inFlight === 0) return;
    const table = this.#table;
    const seqs: number[] = [];
    // Landed as they are listed, so a seq listed twice counts once.
    forEachSeq(runs ?? toRuns(table.outAt(slave)), (seq) => {
      if (!table.isAt(seq, slave)) return;
      table.land(seq);
      seqs.push(seq);
    });
    if (seqs.length === 0) return;
    slave.inFlight -= seqs.length;
    this.stats.requeued += seqs.length;
    this.#source.requeue(seqs);
    this.#options.logger.info(`${plural(seqs.length, 'in-flight job')} back in the buffer from ${slave.name}: ${why}`);
    this.#options.observer?.requeued(seqs.length, why, slave.name);
  }

  /** A job no message can carry fails where it is, as if it had run: it is retried, then dead-lettered. */
  #tooLarge(slave: SlaveRecord, seq: number, bytes: number): void {
    const error = { message: `the job packs to ${bytes} bytes, more than a message may carry (${MAX_JOB_BYTES})`, name: 'RangeError' };
    void Promise.resolve(this.#options.onReport({ slave, seqs: [seq], errors: [error], results: undefined })).catch((e: unknown) =>
      this.#options.logger.error(`recording job ${seq} as too large failed: ${(e as Error).message}`),
    );
  }
}

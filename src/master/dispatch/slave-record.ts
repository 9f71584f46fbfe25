import type { Hello } from '../../protocol/messages.js';

/**
 * Most jobs one slave may hold, whatever it asks. It keeps the JOBS messages queued for one
 * slave under the ROUTER's send high-water mark (set to this), past which ZeroMQ would drop them.
 */
export const MAX_SLAVE_CAPACITY = 100_000;

/** Jobs per lane in a batch to a slave whose job times are not known yet. */
const FIRST_BATCH = 2;

/** What the master knows of one connected slave. */
export class SlaveRecord {
  /** The ZeroMQ routing id, as the ROUTER hands it back. */
  readonly id: Buffer;
  readonly key: string;
  readonly name: string;
  readonly threads: number;
  /** Jobs each of its threads runs at once: the lanes one batch runs over. */
  readonly concurrency: number;
  readonly capacity: number;
  /** Jobs it has asked for and not yet been sent. */
  credit = 0;
  /** Jobs sent to it and not yet reported. */
  inFlight = 0;
  lastSeen: number;
  /** Said BYE: gets no more work, and is forgotten once its running jobs report. */
  leaving = false;
  /** Handler milliseconds and jobs of its recent DONEs, decayed: their ratio is its ms per job. */
  #recentMs = 0;
  #recentJobs = 0;
  /** Jobs in the last batch sent to it. */
  #lastBatch = 1;

  constructor(id: Buffer, hello: Hello, now: number) {
    this.id = id;
    this.key = id.toString('latin1');
    this.name = `${hello.host}:${hello.pid}`;
    this.threads = hello.threads;
    this.concurrency = hello.concurrency;
    this.capacity = Math.min(hello.capacity, MAX_SLAVE_CAPACITY);
    this.lastSeen = now;
  }

  /** Adds credit the slave granted, never past what its capacity leaves room for. */
  grant(credit: number): void {
    this.credit = Math.max(0, Math.min(this.credit + credit, this.capacity - this.inFlight));
  }

  /** Moving average of handler milliseconds per job; undefined until the first DONE. */
  get msPerJob(): number | undefined {
    return this.#recentJobs === 0 ? undefined : this.#recentMs / this.#recentJobs;
  }

  /** Counts a batch of `jobs` sent to it against its credit. */
  sent(jobs: number): void {
    this.credit -= jobs;
    this.inFlight += jobs;
    this.#lastBatch = jobs;
  }

  /**
   * Folds the handler time of a DONE into the moving average, weighed by its jobs: a slave
   * reports a batch's quick jobs early and its straggler alone, and those two DONEs must average
   * as the batch's jobs do, not as two samples of equal weight. A whole batch weighs 0.2.
   */
  observe(totalMs: number, jobs: number): void {
    if (jobs === 0) return;
    const decay = 0.8 ** Math.min(1, jobs / this.#lastBatch);
    this.#recentMs = this.#recentMs * decay + totalMs;
    this.#recentJobs = this.#recentJobs * decay + jobs;
  }

  /**
   * Jobs for its next batch: about `targetMs` of work for each of the `concurrency` lanes of the
   * one thread a batch runs on, so tiny jobs travel in big batches and slow ones in small
   * batches that do not hoard the tail.
   */
  batchSize(targetMs: number, maxBatch: number): number {
    return Math.min(this.credit, this.#idealBatch(targetMs, maxBatch));
  }

  /**
   * Whether to wait for more credit before sending: a busy slave gets full batches only, or
   * credit trickling back a few jobs at a time would turn into a stream of tiny messages.
   */
  shouldWait(targetMs: number, maxBatch: number): boolean {
    return this.inFlight > 0 && this.credit < this.#idealBatch(targetMs, maxBatch);
  }

  #idealBatch(targetMs: number, maxBatch: number): number {
    // A batch's jobs run `concurrency` at a time on its thread: a lane's share of `targetMs` each.
    // Until the first DONE says how long jobs take, small batches (a few jobs per lane): a big one
    // of slow jobs would hoard. (`msPerJob` is per job, not per batch: handler time summed over its jobs.)
    const msPerJob = this.msPerJob;
    const perThread = msPerJob === undefined ? FIRST_BATCH * this.concurrency : msPerJob <= 0 ? maxBatch : Math.ceil((targetMs * this.concurrency) / msPerJob);
    return Math.max(1, Math.min(maxBatch, perThread, Math.floor(this.capacity / 4)));
  }
}

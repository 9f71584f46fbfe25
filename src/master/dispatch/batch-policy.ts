/**
 * How big the next batch to a slave is, and which jobs it holds: about `batchMs` of handler time
 * per lane of the one thread it runs on, retries first, then fresh jobs.
 */
import type { TokenBucket } from '../controls/rate-limit.js';
import type { RetryQueue } from '../jobs/retry-queue.js';
import type { JobSource } from '../jobs/job-buffer.js';
import { BatchBytes } from './batch-bytes.js';
import type { SlaveRecord } from './slave-record.js';

export interface BatchPolicyOptions {
  /** Milliseconds of work a batch should carry (a batch runs on one thread). @default 50 */
  readonly batchMs?: number;
  /** Most jobs in a batch, however quick: tiny jobs travel in batches this big. @default 4000 */
  readonly maxBatch?: number;
  /** `--rate`: every job sent, retries too, takes a token from it first. @default no limit */
  readonly bucket?: TokenBucket | undefined;
}

/** Jobs per lane in a batch to a slave whose job times are not known yet. */
const FIRST_BATCH = 2;

/** Chooses each slave's next batch from the retries and the buffer. */
export class BatchPolicy {
  readonly #source: JobSource;
  readonly #retries: RetryQueue;
  readonly #batchMs: number;
  readonly #maxBatch: number;
  readonly #bucket: TokenBucket | undefined;
  /** Packed bytes per job, so that a batch stays small enough for one message. */
  readonly bytes = new BatchBytes();

  constructor(source: JobSource, retries: RetryQueue, { batchMs = 50, maxBatch = 4000, bucket }: BatchPolicyOptions = {}) {
    this.#source = source;
    this.#retries = retries;
    this.#batchMs = batchMs;
    this.#maxBatch = maxBatch;
    this.#bucket = bucket;
  }

  /** Jobs waiting to be sent: buffered, and retries whose backoff is over. */
  get ready(): number {
    return this.#source.length + this.#retries.ready;
  }

  /** Whether any job waits to be sent: if none, `take` gives no slave anything. */
  get anyReady(): boolean {
    return this.ready > 0;
  }

  /**
   * Whether `slave`, by its own state, may be sent a batch: it has credit, and a busy one enough
   * for a full batch, or credit trickling back a few jobs at a time would turn into a stream of
   * tiny messages. It changes only with the slave's credit, in flight and job times, and when the
   * generator ends; `take` also needs jobs ready.
   */
  wants(slave: SlaveRecord): boolean {
    if (slave.credit === 0) return false;
    return this.#source.exhausted || slave.inFlight === 0 || slave.credit >= idealBatch(slave, this.#batchMs, this.#maxBatch);
  }

  /**
   * The seqs of `slave`'s next batch, none when it should wait. `threads`: across all slaves;
   * `alone`: it is the only slave, so a retry need not avoid it.
   */
  take(slave: SlaveRecord, threads: number, alone: boolean): number[] {
    const source = this.#source;
    if (!this.wants(slave)) return [];
    const ideal = idealBatch(slave, this.#batchMs, this.#maxBatch);
    let n = this.bytes.limit(Math.min(slave.credit, ideal));
    const ready = this.ready;
    // A busy slave waits for the generator to fill a whole batch; the buffer announces it.
    if (!source.exhausted && slave.inFlight > 0 && ready < n) return [];
    // Near the end, share what is left among the slaves' threads (a batch runs on one) rather than hand it all to one.
    if (source.exhausted) n = Math.min(n, Math.max(1, Math.ceil(ready / threads)));
    // A rate-limited run sends what the tokens allow, at once: holding them for fuller batches would bunch the starts.
    if (this.#bucket !== undefined && ready > 0) n = Math.min(n, this.#bucket.allowance());
    const seqs = this.#retries.take(n, slave.key, alone);
    if (seqs.length < n) seqs.push(...source.take(n - seqs.length));
    this.#bucket?.spend(seqs.length);
    return seqs;
  }
}

/**
 * Jobs for a slave's next batch: about `targetMs` of work for each of the `concurrency` lanes of
 * the one thread a batch runs on, so tiny jobs travel in big batches and slow ones in small
 * batches that do not hoard the tail. Until the first DONE says how long jobs take, a few jobs
 * per lane: a big batch of slow jobs would hoard. (`msPerJob` is handler time summed per job.)
 */
export function idealBatch(slave: SlaveRecord, targetMs: number, maxBatch: number): number {
  const msPerJob = slave.msPerJob;
  const perThread = msPerJob === undefined ? FIRST_BATCH * slave.concurrency : msPerJob <= 0 ? maxBatch : Math.ceil((targetMs * slave.concurrency) / msPerJob);
  return Math.max(1, Math.min(maxBatch, perThread, Math.floor(slave.capacity / 4)));
}

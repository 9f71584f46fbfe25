import { DecayingAverage } from '../../decaying-average.js';
import type { Hello } from '../../protocol/messages.js';

/**
 * Most jobs one slave may hold, whatever it asks. It keeps the JOBS messages queued for one
 * slave under the ROUTER's send high-water mark (set to this), past which ZeroMQ would drop them.
 */
export const MAX_SLAVE_CAPACITY = 100_000;

/** What the master knows of one connected slave: who it is, its credit, what it holds, how fast it is. */
export class SlaveRecord {
  /** The ZeroMQ routing id, as the ROUTER hands it back. */
  readonly id: Buffer;
  readonly key: string;
  /** `host:pid`, for log lines. */
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
  /** Jobs in the last batch sent to it. */
  lastBatch = 1;
  /** A whole batch's DONE weighs 0.2 against what came before. */
  readonly #msPerJob = new DecayingAverage(0.8);

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
    return this.#msPerJob.value;
  }

  /** Counts a batch of `jobs` sent to it against its credit. */
  sent(jobs: number): void {
    this.credit -= jobs;
    this.inFlight += jobs;
    this.lastBatch = jobs;
  }

  /** Folds the handler time of a DONE of `jobs` into the moving average, by its share of a batch. */
  observe(totalMs: number, jobs: number): void {
    this.#msPerJob.add(totalMs, jobs, Math.min(1, jobs / this.lastBatch));
  }
}

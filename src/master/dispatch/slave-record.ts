import { DecayingAverage } from '../../common/decaying-average.js';
import type { Hello, SlaveStatus } from '../../protocol/messages.js';

/**
 * Most jobs one slave may hold, whatever it asks. It keeps the JOBS messages queued for one
 * slave under the ROUTER's send high-water mark (set to this), past which ZeroMQ would drop them.
 */
export const MAX_SLAVE_CAPACITY = 100_000;

/** A slave's jobs/s is counted over windows of this many ms. */
const RATE_WINDOW_MS = 2000;

/** What the master knows of one connected slave: who it is, its credit, what it holds, how fast it is. */
export class SlaveRecord {
  /** The ZeroMQ routing id, as the ROUTER hands it back. */
  readonly id: Buffer;
  readonly key: string;
  /** Its `--name`, or `host:pid`: how log lines and tm-status call it. */
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly threads: number;
  /** Jobs each of its threads runs at once: the lanes one batch runs over. */
  readonly concurrency: number;
  readonly capacity: number;
  /** sha256 of the code it runs, as its HELLO said; undefined when it said none. */
  readonly bundle: string | undefined;
  /** Jobs it has asked for and not yet been sent. */
  credit = 0;
  /** Jobs sent to it and not yet reported. */
  inFlight = 0;
  lastSeen: number;
  /** Said BYE: gets no more work, and is forgotten once its running jobs report. */
  leaving = false;
  /** Jobs in the last batch sent to it. */
  lastBatch = 1;
  /** Jobs it reported done, and failed attempts, since it joined. */
  done = 0;
  failed = 0;
  #rateSince: number;
  #rateJobs = 0;
  /** Jobs/s over the last closed window; undefined until one has closed. */
  #rate: number | undefined;
  /** A whole batch's DONE weighs 0.2 against what came before. */
  readonly #msPerJob = new DecayingAverage(0.8);

  constructor(id: Buffer, hello: Hello, now: number) {
    this.id = id;
    this.key = id.toString('latin1');
    this.name = hello.name ?? `${hello.host}:${hello.pid}`;
    this.host = hello.host;
    this.pid = hello.pid;
    this.threads = hello.threads;
    this.concurrency = hello.concurrency;
    this.capacity = Math.min(hello.capacity, MAX_SLAVE_CAPACITY);
    this.bundle = hello.bundle;
    this.lastSeen = now;
    this.#rateSince = now;
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

  /** Counts the jobs of a DONE: `jobs` ran, `failed` of them failed. */
  counted(jobs: number, failed: number, now: number): void {
    this.done += jobs - failed;
    this.failed += failed;
    this.#rateJobs += jobs;
    this.#tick(now);
  }

  /** Its row in a STATUS answer. */
  status(now: number): SlaveStatus {
    this.#tick(now);
    const { name: id, host, pid, threads, concurrency, inFlight, done, failed } = this;
    // Until a window has closed, the open one says how fast it has been.
    const rate = this.#rate ?? (now > this.#rateSince ? (this.#rateJobs * 1000) / (now - this.#rateSince) : 0);
    return { id, host, pid, threads, concurrency, inFlight, done, failed, rate, lastSeenMs: Math.max(0, now - this.lastSeen), ...(this.bundle === undefined ? {} : { bundle: this.bundle }) };
  }

  /** Closes the rate window once it is long enough: jobs/s over the last one, so a silent slave drops to 0. */
  #tick(now: number): void {
    if (now - this.#rateSince < RATE_WINDOW_MS) return;
    this.#rate = (this.#rateJobs * 1000) / (now - this.#rateSince);
    this.#rateSince = now;
    this.#rateJobs = 0;
  }

  /** Folds the handler time of a DONE of `jobs` into the moving average, by its share of a batch. */
  observe(totalMs: number, jobs: number): void {
    this.#msPerJob.add(totalMs, jobs, Math.min(1, jobs / this.lastBatch));
  }
}

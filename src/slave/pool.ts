/** The slave's piscina pool: batches of jobs in, results out; dead and stuck threads are salvaged. */
import { UsageError } from '../common/errors.js';
import { runsLength } from '../protocol/seq-runs.js';
import type { BatchProgress } from './batch-progress.js';
import type { Batch, BatchResult, BatchTask, WantResults, WorkerSetup } from './thread-messages.js';
import { startThreads, type Threads } from './threads.js';
import { fromOutcome, fromWreck, type Received } from './outcome.js';
import { FreeRegions } from './free-regions.js';
import { PartialReceiver, type OnPartial } from './partial-receiver.js';
import { checkTimeout, Watchdog, type Verdict } from './watchdog.js';

export type { Batch, BatchResult } from './thread-messages.js';
export type { OnPartial } from './partial-receiver.js';

export interface PoolOptions {
  /** The task module as a `file:` URL, from `resolveModule`. */
  readonly url: string;
  /** The handler's export name. @default 'handleJob' (the caller applies it) */
  readonly fn: string;
  /** Threads to run, all started at once. */
  readonly threads: number;
  /** Jobs each thread runs at once, over the batches it holds (only async handlers interleave). */
  readonly concurrency: number;
  /** Milliseconds a job may run before its thread is killed; 0 for no limit. Settable later (`pool.jobTimeout`). */
  readonly jobTimeout: number;
}

/**
 * A batch a thread holds (or piscina has queued), as the pool keeps it. The watchdog and the
 * partial receiver keep what they need of it themselves, by the same id.
 */
interface Running {
  readonly progress: BatchProgress;
  readonly count: number;
  /** Resolves the batch at once with every job returned, while its task still waits in the thread. */
  readonly callOff: () => void;
}

/**
 * Batches and jobs the threads hold, per thread and per lane: enough that a lane freed as a batch
 * ends finds a job without a round trip to the main thread (see `wantsBatch`).
 */
const PREFETCH = 2;

/**
 * Runs batches of jobs on `threads` piscina threads, `concurrency` jobs at once in each. A batch
 * whose thread dies or whose job outlives `jobTimeout` still resolves: the jobs it was running
 * failed, the rest handed back.
 */
export class JobPool {
  readonly #options: PoolOptions;
  readonly #piscina: Threads;
  readonly #regions: FreeRegions;
  readonly #running = new Map<number, Running>();
  readonly #receiver = new PartialReceiver();
  #lastId = 0;
  readonly #batches = new Set<Promise<BatchResult>>();
  /** Jobs of the batches in `#batches`. */
  #held = 0;
  readonly #watchdog: Watchdog;
  #closing = false;
  #destroyed = false;
  #closed: Promise<void> | undefined;

  private constructor(options: PoolOptions, piscina: Threads) {
    this.#options = options;
    this.#piscina = piscina;
    this.#regions = new FreeRegions(this.maxBatches);
    this.#piscina.on('message', (message: unknown) => this.#receiver.receive(message));
    this.#watchdog = new Watchdog(piscina, options.jobTimeout);
  }

  /** Starts the threads and loads the task module in each, so a bad module fails here. */
  static async start(options: PoolOptions): Promise<JobPool> {
    for (const name of ['threads', 'concurrency'] as const) {
      const value = options[name];
      if (!Number.isInteger(value) || value < 1) throw new UsageError(`Expected \`${name}\` to be an integer >= 1, got \`${value}\``);
    }
    checkTimeout(options.jobTimeout);
    const setup: WorkerSetup = { url: options.url, fn: options.fn, concurrency: options.concurrency };
    return new JobPool(options, await startThreads(setup, options.threads, options.concurrency * PREFETCH));
  }

  /**
   * Most batches the pool takes at once: a batch holds at least one job, so that is every lane
   * busy with a batch of its own, and as many again waiting. (`wantsBatch` says when to stop short.)
   */
  get maxBatches(): number {
    return this.lanes * PREFETCH;
  }

  /** Jobs that run at once: threads * concurrency. */
  get lanes(): number {
    return this.#options.threads * this.#options.concurrency;
  }

  /**
   * Whether the threads could use another batch: fewer than two per thread (one running, one to
   * start as it ends), or fewer jobs than two per lane (small batches of slow jobs: one batch does
   * not fill the lanes). No more than that: a thread that dies hands back all it holds.
   */
  get wantsBatch(): boolean {
    return this.#batches.size < this.maxBatches && (this.#batches.size < this.#options.threads * PREFETCH || this.#held < this.lanes * PREFETCH);
  }

  /** Milliseconds a job may run before its thread is killed, 0 for no limit; a slave learns it from the master. */
  get jobTimeout(): number {
    return this.#watchdog.jobTimeout;
  }

  set jobTimeout(ms: number) {
    this.#watchdog.jobTimeout = ms;
  }

  /**
   * Runs one batch of jobs; never rejects. After `close()` every job comes back unstarted. With
   * `onPartial`, jobs that finish while others of the batch still run are reported early, each
   * once, in partial results (nothing `returned`), and the batch's result holds only the rest.
   */
  run(batch: Batch, wantResults: WantResults, onPartial?: OnPartial): Promise<BatchResult> {
    let held = batch.count;
    this.#held += held;
    // Reported jobs are no longer held: the threads may want another batch.
    const report: OnPartial | undefined =
      onPartial &&
      ((result) => {
        const jobs = runsLength(result.seqs);
        held -= jobs;
        this.#held -= jobs;
        onPartial(result);
      });
    const result = this.#run(batch, wantResults, report);
    this.#batches.add(result);
    void result.then(() => {
      this.#batches.delete(result);
      this.#held -= held;
    });
    return result;
  }

  /**
   * Calls off the batches that wait in their threads and have not started: they resolve at once
   * with every job returned, so a leaving slave hands them back without waiting for the batches
   * before them. (One whose first job starts at this very moment just runs: the claim is atomic.)
   * Returns how many jobs were called off.
   */
  cancelWaiting(): number {
    let jobs = 0;
    for (const running of this.#running.values()) {
      if (!running.progress.callOff()) continue;
      running.callOff();
      jobs += running.count;
    }
    return jobs;
  }

  /** Lets running batches finish (the job timeout still applies), then stops the threads. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  /** Stops the threads now: running batches resolve with their current jobs unstarted. Idempotent. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    this.#stopAccepting();
    await this.#piscina.destroy();
    await Promise.all(this.#batches);
    this.#watchdog.close();
  }

  async #close(): Promise<void> {
    this.#stopAccepting();
    await Promise.all(this.#batches);
    await this.#piscina.destroy();
    this.#watchdog.close();
  }

  #stopAccepting(): void {
    this.#closing = true;
    this.#regions.wakeAll();
  }

  async #run(batch: Batch, wantResults: WantResults, onPartial: OnPartial | undefined): Promise<BatchResult> {
    const unstarted: BatchResult = { seqs: [], failures: [], returned: batch.seqs, ms: 0 };
    if (batch.count === 0) return unstarted;
    let progress = this.#regions.take();
    while (progress === undefined && !this.#closing) {
      await this.#regions.released();
      progress = this.#regions.take();
    }
    if (progress === undefined || this.#closing) {
      if (progress !== undefined) this.#regions.release(progress);
      return unstarted;
    }
    progress.reset(batch.count);
    const id = ++this.#lastId;
    let callOff = (): void => {};
    const calledOff = new Promise<BatchResult>((resolve) => (callOff = () => resolve(unstarted)));
    this.#running.set(id, { progress, count: batch.count, callOff });
    if (onPartial !== undefined) this.#receiver.add(id, batch, onPartial);
    this.#watchdog.watch(id, progress, batch.count);
    // The region stays taken until the thread is done with it, even for a batch called off before.
    return Promise.race([this.#runTask(id, batch, wantResults, progress, onPartial !== undefined), calledOff]);
  }

  async #runTask(id: number, batch: Batch, wantResults: WantResults, progress: BatchProgress, partials: boolean): Promise<BatchResult> {
    try {
      // The packed jobs are a view into a received frame (a Buffer, whose `slice` copies nothing):
      // copy them into a buffer of their own and move that over, leaving the caller's intact.
      const jobs = new Uint8Array(batch.jobs);
      const task: BatchTask = { id, partials, seqs: batch.seqs, attempts: batch.attempts, origins: batch.origins, jobs, wantResults, timings: batch.timings, progress: progress.buffer };
      const outcome = await this.#piscina.run(task, { transferList: [jobs.buffer] });
      // The reply may overtake partial reports posted before it (another port): they are on their way.
      const caughtUp = await this.#receiver.caughtUp(id, outcome.partials ?? 0);
      const received = this.#receiver.settle(id);
      if (!caughtUp) return fromWreck(batch, wantResults, { running: [], finished: 0, blame: undefined, lost: undefined, received });
      return fromOutcome(batch, outcome, received);
    } catch (error) {
      // From now on a partial report of this batch is dropped: its jobs count as unreported.
      const received = this.#receiver.settle(id);
      return this.#salvage(batch, wantResults, progress, this.#watchdog.unwatch(id), received, error);
    } finally {
      this.#receiver.settle(id);
      this.#watchdog.unwatch(id);
      this.#running.delete(id);
      this.#regions.release(progress);
    }
  }

  /** A batch whose thread died: which of its jobs its job states say were running, and which finished. */
  #salvage(batch: Batch, wantResults: WantResults, progress: BatchProgress, verdict: Verdict | undefined, received: Received | undefined, error: unknown): BatchResult {
    // After `destroy` nothing is blamed or lost: the job states, which a thread still stopping may write, do not matter.
    const interrupted = this.#destroyed || verdict === 'bystander';
    const timedOut = verdict === 'timed out';
    const died = interrupted || timedOut ? undefined : messageOf(error);
    return fromWreck(batch, wantResults, {
      ...progress.wreck(batch.count),
      received,
      blame: timedOut && !interrupted ? `timed out after ${this.#watchdog.jobTimeout} ms` : died && `worker thread died: ${died}`,
      lost: died && `worker thread died sending the batch's results (is one not structured-cloneable?): ${died}`,
    });
  }
}

/** The message of an error from piscina or a thread; a DataCloneError arrives as a plain object. */
function messageOf(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? message : 'no error message';
}

/** The slave's piscina pool: chunks of jobs in, results out; dead and stuck threads are salvaged. */
import { createRequire } from 'node:module';
import { Piscina } from 'piscina';
import { UsageError } from '../errors.js';
import { moduleLabel } from '../load.js';
import { runsLength } from '../protocol/seq-runs.js';
import type { Batch, ChunkOutcome, ChunkResult, ChunkTask, WorkerSetup } from './thread-messages.js';
import { fromOutcome, fromWreck } from './outcome.js';
import { FreeSlots } from './free-regions.js';
import { caughtUp, PartialReceiver, type OnPartial, type ReportedChunk } from './partial-receiver.js';
import { checkTimeout, Watchdog, type WatchedChunk } from './watchdog.js';

export type { Batch, ChunkResult } from './thread-messages.js';
export type { OnPartial } from './partial-receiver.js';

export interface PoolOptions {
  /** The task module as a `file:` URL, from `resolveModule`. */
  readonly url: string;
  /** The handler's export name. @default 'handleJob' (the caller applies it) */
  readonly fn: string;
  /** Threads to run, all started at once. */
  readonly threads: number;
  /** Jobs each thread runs at once, over the chunks it holds (only async handlers interleave). */
  readonly concurrency: number;
  /** Milliseconds a job may run before its thread is killed; 0 for no limit. Settable later (`pool.jobTimeout`). */
  readonly jobTimeout: number;
}

/** A chunk a thread holds (or piscina has queued), as the watchdog, the salvage and its partial reports see it. */
interface Running extends WatchedChunk, ReportedChunk {
  /** Resolves the chunk at once with every job returned, while its task still waits in the thread. */
  callOff: () => void;
}

/**
 * Chunks and jobs the threads hold, per thread and per lane: enough that a lane freed as a chunk
 * ends finds a job without a round trip to the main thread (see `wantsChunk`).
 */
const PREFETCH = 2;

// Tests and `tsx` run these sources as .ts: the thread then needs tsx's require hook for worker.ts.
const fromSource = import.meta.url.endsWith('.ts');
const WORKER = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url).href;
const EXEC_ARGV = fromSource ? ['--require', createRequire(import.meta.url).resolve('tsx/cjs')] : undefined;

/**
 * Runs chunks of jobs on `threads` piscina threads, `concurrency` jobs at once in each. A chunk
 * whose thread dies or whose job outlives `jobTimeout` still resolves: the jobs it was running
 * failed, the rest handed back.
 */
export class JobPool {
  readonly #options: PoolOptions;
  readonly #piscina: Piscina<ChunkTask, ChunkOutcome>;
  readonly #slots: FreeSlots;
  readonly #running = new Set<Running>();
  readonly #receiver = new PartialReceiver();
  #lastId = 0;
  readonly #chunks = new Set<Promise<ChunkResult>>();
  /** Jobs of the chunks in `#chunks`. */
  #held = 0;
  readonly #watchdog: Watchdog;
  #closing = false;
  #destroyed = false;
  #closed: Promise<void> | undefined;

  private constructor(options: PoolOptions) {
    this.#options = options;
    this.#slots = new FreeSlots(this.slots);
    const workerData: WorkerSetup = { url: options.url, fn: options.fn, concurrency: options.concurrency };
    this.#piscina = new Piscina<ChunkTask, ChunkOutcome>({
      filename: WORKER,
      minThreads: options.threads,
      maxThreads: options.threads,
      concurrentTasksPerWorker: options.concurrency * PREFETCH,
      idleTimeout: Infinity,
      // Threads stay event-driven between chunks, so a handler's sockets and timers keep working.
      atomics: 'disabled',
      workerData,
      ...(EXEC_ARGV && { execArgv: EXEC_ARGV }),
    });
    // A thread that dies between chunks: piscina replaces it and no job is affected.
    this.#piscina.on('error', () => {});
    this.#piscina.on('message', (message: unknown) => this.#receiver.receive(message));
    this.#watchdog = new Watchdog(this.#piscina, this.#running, options.jobTimeout);
  }

  /** Starts the threads and loads the task module in each, so a bad module fails here. */
  static async start(options: PoolOptions): Promise<JobPool> {
    for (const name of ['threads', 'concurrency'] as const) {
      const value = options[name];
      if (!Number.isInteger(value) || value < 1) throw new UsageError(`Expected \`${name}\` to be an integer >= 1, got \`${value}\``);
    }
    checkTimeout(options.jobTimeout);
    const pool = new JobPool(options);
    const empty: ChunkTask = { id: 0, partials: false, seqs: [], jobs: new Uint8Array(0), wantResults: false, progress: new SharedArrayBuffer(0) };
    // One empty chunk per thread: piscina gives each to an idle thread, so every thread loads the module.
    const warmups = await Promise.allSettled(Array.from({ length: options.threads }, () => pool.#piscina.run(empty)));
    const failure = warmups.map(loadFailure).find((message) => message !== undefined);
    if (failure === undefined) return pool;
    await pool.destroy();
    throw new UsageError(failure === '' ? `task module \`${moduleLabel(options.url)}\` stopped its thread while loading` : failure);
  }

  /**
   * Most chunks the pool takes at once: a chunk holds at least one job, so that is every lane
   * busy with a chunk of its own, and as many again waiting. (`wantsChunk` says when to stop short.)
   */
  get slots(): number {
    return this.lanes * PREFETCH;
  }

  /** Jobs that run at once: threads * concurrency. */
  get lanes(): number {
    return this.#options.threads * this.#options.concurrency;
  }

  /**
   * Whether the threads could use another chunk: fewer than two per thread (one running, one to
   * start as it ends), or fewer jobs than two per lane (small chunks of slow jobs: one chunk does
   * not fill the lanes). No more than that: a thread that dies hands back all it holds.
   */
  get wantsChunk(): boolean {
    return this.#chunks.size < this.slots && (this.#chunks.size < this.#options.threads * PREFETCH || this.#held < this.lanes * PREFETCH);
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
  run(batch: Batch, wantResults: boolean, onPartial?: OnPartial): Promise<ChunkResult> {
    let held = batch.count;
    this.#held += held;
    // Reported jobs are no longer held: the threads may want another chunk.
    const report: OnPartial | undefined =
      onPartial &&
      ((result) => {
        const jobs = runsLength(result.seqs);
        held -= jobs;
        this.#held -= jobs;
        onPartial(result);
      });
    const chunk = this.#run(batch, wantResults, report);
    this.#chunks.add(chunk);
    void chunk.then(() => {
      this.#chunks.delete(chunk);
      this.#held -= held;
    });
    return chunk;
  }

  /**
   * Calls off the chunks that wait in their threads and have not started: they resolve at once
   * with every job returned, so a leaving slave hands them back without waiting for the chunks
   * before them. (One whose first job starts at this very moment just runs: the claim is atomic.)
   */
  cancelWaiting(): void {
    for (const running of this.#running) if (running.progress.callOff()) running.callOff();
  }

  /** Lets running chunks finish (the job timeout still applies), then stops the threads. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  /** Stops the threads now: running chunks resolve with their current jobs unstarted. Idempotent. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    this.#stopAccepting();
    await this.#piscina.destroy();
    await Promise.all(this.#chunks);
    this.#watchdog.stop();
  }

  async #close(): Promise<void> {
    this.#stopAccepting();
    await Promise.all(this.#chunks);
    await this.#piscina.destroy();
    this.#watchdog.stop();
  }

  #stopAccepting(): void {
    this.#closing = true;
    this.#slots.wakeAll();
  }

  async #run(batch: Batch, wantResults: boolean, onPartial: OnPartial | undefined): Promise<ChunkResult> {
    const unstarted: ChunkResult = { seqs: [], failures: [], returned: batch.seqs, ms: 0 };
    if (batch.count === 0) return unstarted;
    let progress = this.#slots.take();
    while (progress === undefined && !this.#closing) {
      await this.#slots.released();
      progress = this.#slots.take();
    }
    if (progress === undefined || this.#closing) {
      if (progress !== undefined) this.#slots.release(progress);
      return unstarted;
    }
    progress.reset(batch.count);
    let callOff = (): void => {};
    const calledOff = new Promise<ChunkResult>((resolve) => (callOff = () => resolve(unstarted)));
    const running: Running = {
      id: ++this.#lastId,
      batch,
      progress,
      count: batch.count,
      finished: 0,
      since: 0,
      timedOut: false,
      bystander: false,
      callOff,
      onPartial,
      partials: 0,
      received: undefined,
      caughtUp: undefined,
    };
    this.#running.add(running);
    if (onPartial !== undefined) this.#receiver.add(running);
    this.#watchdog.start();
    // The slot stays taken until the thread is done with it, even for a chunk called off before.
    return Promise.race([this.#runTask(batch, wantResults, running), calledOff]);
  }

  async #runTask(batch: Batch, wantResults: boolean, running: Running): Promise<ChunkResult> {
    try {
      // The packed jobs are a view into a received frame (a Buffer, whose `slice` copies nothing):
      // copy them into a buffer of their own and move that over, leaving the caller's intact.
      const jobs = new Uint8Array(batch.jobs);
      const task: ChunkTask = { id: running.id, partials: running.onPartial !== undefined, seqs: batch.seqs, attempts: batch.attempts, origins: batch.origins, jobs, wantResults, progress: running.progress.buffer };
      const outcome = await this.#piscina.run(task, { transferList: [jobs.buffer] });
      // The reply may overtake partial reports posted before it (another port): they are on their way.
      const partials = outcome.partials ?? 0;
      if (running.partials < partials && !(await caughtUp(running, partials))) {
        this.#receiver.settle(running.id);
        return fromWreck(batch, wantResults, { running: [], finished: 0, blame: undefined, lost: undefined, received: running.received });
      }
      return fromOutcome(batch, outcome, running.received);
    } catch (error) {
      // From now on a partial report of this chunk is dropped: its jobs count as unreported.
      this.#receiver.settle(running.id);
      return this.#salvage(batch, wantResults, running, error);
    } finally {
      this.#receiver.settle(running.id);
      this.#running.delete(running);
      if (this.#running.size === 0) this.#watchdog.stop();
      this.#slots.release(running.progress);
    }
  }

  /** A chunk whose thread died: which of its jobs its job states say were running, and which finished. */
  #salvage(batch: Batch, wantResults: boolean, running: Running, error: unknown): ChunkResult {
    // After `destroy` nothing is blamed or lost: the job states, which a thread still stopping may write, do not matter.
    const interrupted = this.#destroyed || running.bystander;
    const died = interrupted || running.timedOut ? undefined : messageOf(error);
    return fromWreck(batch, wantResults, {
      ...running.progress.wreck(batch.count),
      received: running.received,
      blame: running.timedOut && !interrupted ? `timed out after ${this.#watchdog.jobTimeout} ms` : died && `worker thread died: ${died}`,
      lost: died && `worker thread died sending the chunk's results (is one not structured-cloneable?): ${died}`,
    });
  }
}

/** The load error a warm-up chunk reports, '' for a thread that died while loading, else undefined. */
function loadFailure(warmup: PromiseSettledResult<ChunkOutcome>): string | undefined {
  if (warmup.status === 'rejected') return '';
  return warmup.value.loadError;
}

/** The message of an error from piscina or a thread; a DataCloneError arrives as a plain object. */
function messageOf(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? message : 'no error message';
}

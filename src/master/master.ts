import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Router } from 'zeromq';
import { checkInteger } from '../check.js';
import { StateError, UsageError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { loadModule, pickFunction, resolveModule } from '../load.js';
import { MAX_MESSAGE_SIZE } from '../protocol/messages.js';
import type { JobArgs } from '../task.js';
import { checkBindAddress } from './address.js';
import { Checkpoint, defaultStatePath, type CursorMode, type RecoveredState } from './state/checkpoint.js';
import { Dispatcher, type Report } from './dispatch/dispatcher.js';
import { JobTable } from './job-table.js';
import { Ledger } from './ledger.js';
import { resolveMasterOptions, type MasterOptions, type ResolvedMasterOptions } from './options.js';
import { Recorder } from './recorder.js';
import { MAX_SLAVE_CAPACITY } from './dispatch/slave-record.js';
import { RetryFailed } from './state/retry-failed.js';
import { RetryQueue } from './retry-queue.js';
import { JobSource, resumeArgument } from './source.js';
import { Progress, type ProgressSnapshot } from './run-progress.js';

/** How a run ended. */
export interface Summary {
  readonly outcome: 'finished' | 'stopped' | 'failed';
  /** Jobs this incarnation recorded as done, and as dead-lettered. */
  readonly done: number;
  readonly failed: number;
  /** Finished over the whole run, across incarnations. */
  readonly finished: number;
  readonly total: number | undefined;
  readonly durationMs: number;
  readonly rate: number;
  /** 0 all done, 1 some dead-lettered or a fatal error; a stop leaves it to the caller. */
  readonly exitCode: number;
  readonly error?: Error;
}

export interface MasterEvents {
  progress: [ProgressSnapshot];
}

/**
 * The master: pulls jobs from the generator into a bounded buffer, serves them to slaves over
 * ZeroMQ, and records every completion so a stopped or crashed run resumes where it was.
 */
export class Master extends EventEmitter<MasterEvents> {
  readonly endpoint: string;
  /** Resolves when the run ends, by finishing, a stop, or a fatal error. */
  readonly done: Promise<Summary>;
  readonly #options: ResolvedMasterOptions;
  readonly #logger: Logger;
  readonly #socket: Router;
  readonly #checkpoint: Checkpoint;
  readonly #ledger: Ledger;
  readonly #source: JobSource;
  readonly #dispatcher: Dispatcher;
  readonly #retryQueue: RetryQueue;
  readonly #recorder: Recorder;
  readonly #progress: Progress;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #retry: RetryFailed | undefined;
  #finish: (summary: Summary) => void = () => {};
  #stopping = false;
  #ended = false;
  #fatal: Error | undefined;

  /** Loads the module, opens the state and binds the socket: every usage error surfaces here. */
  static async start(options: MasterOptions): Promise<Master> {
    const resolved = resolveMasterOptions(options);
    checkOptions(resolved);
    checkBindAddress(resolved.address, resolved.insecure);
    const url = resolveModule(resolved.module, resolved.cwd);
    const mod = await loadModule(url);
    const getJobs = pickFunction(mod, resolved.fn, resolved.module) as (last: unknown, args: JobArgs) => AsyncIterable<unknown> | Iterable<unknown>;
    const countJobs = typeof mod.countJobs === 'function' ? (mod.countJobs as (args: JobArgs) => unknown) : undefined;
    const handleResult = typeof mod.handleResult === 'function' ? (mod.handleResult as (result: unknown, job: unknown) => unknown) : undefined;
    const identity = { module: new URL(url).protocol === 'file:' ? new URL(url).pathname : url, fn: resolved.fn, args: resolved.args };
    const statePath = resolved.state ?? defaultStatePath(identity, resolved.cwd);
    const logger = createLogger('master', resolved.logLevel);
    // --retry-failed: a run of the dead-lettered jobs, in a state of its own (see RetryFailed).
    const retry = resolved.retryFailed ? RetryFailed.open(statePath, identity, logger) : undefined;
    const { checkpoint, state: stored } = retry ? { checkpoint: retry.checkpoint, state: undefined } : Checkpoint.open(statePath, identity, { reset: resolved.reset });
    const release = (): void => (retry ? retry.close() : checkpoint.close());
    const state = stored && { ...stored, cursorMode: resumedCursorMode(stored) };
    // A slave's JOBS never outnumber its capacity, so none is dropped at the high-water mark.
    const socket = new Router({ maxMessageSize: MAX_MESSAGE_SIZE, handover: true, sendHighWaterMark: MAX_SLAVE_CAPACITY, linger: 2000 });
    try {
      await socket.bind(resolved.address);
    } catch (error) {
      release();
      socket.close();
      throw new UsageError(`cannot bind ${resolved.address}: ${(error as Error).message}`, { cause: error });
    }
    const ledger = new Ledger(state?.ledger);
    const iterable = retry ? retry.jobs() : getJobs(resumeArgument(ledger, state?.cursorMode), resolved.args);
    if (iterable === null || typeof iterable !== 'object' || !(Symbol.asyncIterator in iterable || Symbol.iterator in iterable)) {
      release();
      socket.close();
      throw new UsageError(`\`${resolved.module}\` export \`${resolved.fn}\` must be a generator (async function*), it returned ${typeof iterable}`);
    }
    return new Master(resolved, logger, socket, checkpoint, state, ledger, iterable, retry ? undefined : countJobs, handleResult, retry);
  }

  private constructor(
    options: ResolvedMasterOptions,
    logger: Logger,
    socket: Router,
    checkpoint: Checkpoint,
    state: RecoveredState | undefined,
    ledger: Ledger,
    iterable: AsyncIterable<unknown> | Iterable<unknown>,
    countJobs: ((args: JobArgs) => unknown) | undefined,
    handleResult: ((result: unknown, job: unknown) => unknown) | undefined,
    retry: RetryFailed | undefined,
  ) {
    super();
    this.#options = options;
    this.#logger = logger;
    this.#retry = retry;
    this.#socket = socket;
    this.endpoint = socket.lastEndpoint ?? options.address;
    this.#checkpoint = checkpoint;
    this.#ledger = ledger;
    this.done = new Promise((resolve) => (this.#finish = resolve));
    // Held seqs lie within this many above the watermark (see JobTable).
    const window = 2 ** Math.ceil(Math.log2(Math.max(options.size * 4, 2 ** 20)));
    const table = new JobTable(window);
    this.#source = new JobSource(iterable, ledger, table, { size: options.size, window, cursorMode: state?.cursorMode });
    this.#retryQueue = new RetryQueue(options.retryBackoff, (seq, avoid) => this.#dispatcher.retry(seq, avoid));
    this.#recorder = new Recorder(ledger, table, checkpoint, this.#retryQueue, {
      retries: options.retries,
      handleResult,
      logger: this.#logger,
      describeSeq: retry && ((seq) => retry.describeSeq(seq)),
    });
    this.#dispatcher = new Dispatcher(socket, this.#source, table, {
      runId: randomBytes(8).toString('hex'),
      lease: options.lease,
      jobTimeout: options.jobTimeout,
      wantResults: handleResult !== undefined,
      originOf: retry && ((seq) => retry.originalSeq(seq)),
      logger: this.#logger,
      onReport: (report) => this.#record(report),
      onRequeue: (count, why) => this.#logger.info(`${count} in-flight jobs back in the buffer: ${why}`),
    });
    this.#progress = new Progress(ledger, state?.total ?? retry?.size);
    this.#source.onAvailable = () => this.#onAvailable();
    if (state?.finished === true) this.#logger.info('the state says this run already finished; pass --reset to run it again');
    this.#logger.info(`listening on ${this.endpoint}; state ${checkpoint.path}${state ? ` (resuming at seq ${ledger.watermark}, ${ledger.finished} finished)` : ''}`);
    if (countJobs !== undefined) void this.#count(countJobs);
    void this.#source.pump();
    void this.#dispatcher.serve().catch((error: unknown) => this.#fail(error as Error));
    this.#every(options.checkpointInterval, () => this.#snapshot(false));
    this.#every(250, () => this.emit('progress', this.progress()));
  }

  /** Counts and rates for a progress display. */
  progress(): ProgressSnapshot {
    return this.#progress.snapshot({
      buffered: this.#source.length,
      size: this.#options.size,
      inFlight: this.#dispatcher.inFlight,
      slaves: this.#dispatcher.slaves,
      retrying: this.#retryQueue.size + this.#dispatcher.retriesReady,
    });
  }

  /**
   * Stops the run: no new dispatch, in-flight jobs get `--grace` ms to finish, then the state is
   * flushed. A second call stops at once. Both are safe to repeat.
   */
  stop(): void {
    if (this.#stopping) return void this.#end('stopped');
    this.#stopping = true;
    this.#logger.info(`stopping: waiting up to ${this.#options.grace} ms for ${this.#dispatcher.inFlight} in-flight jobs`);
    this.#source.stop();
    this.#dispatcher.pause();
    this.#retryQueue.flush();
    const timer = setTimeout(() => this.#end('stopped'), this.#options.grace);
    timer.unref();
    this.#timers.push(timer);
    this.#checkDone();
  }

  async #record(report: Report): Promise<void> {
    try {
      await this.#recorder.record(report);
    } catch (error) {
      this.#fail(error as Error);
      return;
    }
    this.#source.poke();
    this.#checkDone();
  }

  #onAvailable(): void {
    this.#dispatcher.dispatch();
    if (this.#source.exhausted && this.#source.error !== undefined && this.#fatal === undefined) {
      const error = this.#source.error as Error;
      this.#fail(new Error(`${this.#options.fn} failed at seq ${this.#source.pulled}: ${error?.message ?? String(error)}`, { cause: error }));
      return;
    }
    this.#checkDone();
  }

  #checkDone(): void {
    if (this.#ended) return;
    const idle = this.#dispatcher.inFlight === 0;
    if (this.#stopping && idle) return void this.#end(this.#fatal ? 'failed' : 'stopped');
    const drained = this.#source.exhausted && this.#source.length === 0 && this.#retryQueue.size === 0 && this.#dispatcher.retriesReady === 0;
    if (drained && idle) void this.#end('finished');
  }

  /**
   * A fatal error: stop taking work and end with exit code 1. A state that cannot be written
   * ends the run at once, keeping the last good checkpoint: nothing more could be recorded.
   * Anything else lets in-flight jobs land first.
   */
  #fail(error: Error): void {
    if (this.#fatal !== undefined || this.#ended) return;
    // The summary carries the line of a state that failed: said once, as the run ends.
    if (error instanceof StateError) {
      this.#fatal = unrecorded(error);
      return void this.#end('failed');
    }
    this.#fatal = error;
    this.#logger.error(error.message);
    this.stop();
  }

  async #end(outcome: Summary['outcome']): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#retryQueue.close();
    this.#source.stop();
    this.#dispatcher.pause();
    const finished = outcome === 'finished' && this.#fatal === undefined;
    if (finished) this.#dispatcher.quitAll();
    if (!(this.#fatal instanceof StateError)) this.#snapshot(finished);
    this.#dispatcher.close();
    await this.#dispatcher.flush();
    this.#socket.close();
    try {
      this.#checkpoint.close();
    } catch (error) {
      this.#fatal ??= unrecorded(error as Error);
    }
    const snap = this.progress();
    const { done, failed } = this.#recorder.counts;
    const failedOutcome = this.#fatal !== undefined ? 'failed' : outcome;
    const summary: Summary = {
      outcome: failedOutcome,
      done,
      failed,
      finished: this.#ledger.finished,
      total: snap.total,
      durationMs: snap.elapsedMs,
      rate: snap.elapsedMs > 0 ? ((done + failed) * 1000) / snap.elapsedMs : 0,
      exitCode: failedOutcome === 'failed' || this.#ledger.failed > 0 ? 1 : 0,
      ...(this.#fatal ? { error: this.#fatal } : {}),
    };
    this.#finish(this.#retry ? this.#retry.finish(summary) : summary);
  }

  #snapshot(finished: boolean): void {
    try {
      this.#checkpoint.snapshot(this.#ledger.snapshot(), { cursorMode: this.#source.cursorMode, total: this.#progress.total, finished });
    } catch (error) {
      // The final snapshot of #end failing must still fail the run.
      if (this.#ended) this.#fatal ??= unrecorded(error as Error);
      else this.#fail(error as Error);
    }
  }

  async #count(countJobs: (args: JobArgs) => unknown): Promise<void> {
    try {
      const total = Number(await countJobs(this.#options.args));
      if (Number.isFinite(total) && total >= 0) this.#progress.total = total;
    } catch (error) {
      this.#logger.warn(`countJobs failed, running without a total: ${(error as Error).message}`);
    }
  }

  #every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}

/**
 * The cursor mode of a resumed run. A master killed before its first snapshot after the first
 * yield left the mode out of the snapshot, but its log still tells: only keys leave cursors.
 */
function resumedCursorMode({ cursorMode, ledger }: RecoveredState): CursorMode | undefined {
  return cursorMode ?? (ledger.lastCursor !== undefined || ledger.doneAbove.some((r) => r.cursor !== undefined) ? 'key' : undefined);
}

/** The fatal error of a state that could not be written: what failed, and what the master did. */
function unrecorded(error: Error): StateError {
  const message = `${error.message}; stopped, keeping the last good checkpoint: run again to resume once the state can be written`;
  return new StateError(message, { code: 'E_STATE_WRITE', cause: error });
}

function checkOptions(o: ResolvedMasterOptions): void {
  checkInteger('size', o.size, 1);
  checkInteger('checkpoint-interval', o.checkpointInterval, 1);
  checkInteger('retries', o.retries, 0);
  checkInteger('job-timeout', o.jobTimeout, 0);
  checkInteger('lease', o.lease, 1);
  checkInteger('grace', o.grace, 0);
  if (o.retryFailed && o.reset) throw new UsageError('--retry-failed and --reset cannot be used together: --reset forgets the dead letters');
}

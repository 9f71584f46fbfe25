import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { serverCurve } from '../curve/curve-config.js';
import { StateError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { checkBindAddress } from './address.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { JobTable } from './job-table.js';
import { Ledger } from './ledger.js';
import type { Listener } from './listen.js';
import { openRun } from './open-run.js';
import { resolveMasterOptions, type MasterOptions, type ResolvedMasterOptions } from './options.js';
import { Recorder, type Report } from './recorder.js';
import { RetryQueue } from './retry-queue.js';
import type { RunPlan } from './run-plan.js';
import { RunProgress, type ProgressSnapshot } from './run-progress.js';
import { RunControls } from './run-controls.js';
import { runStatus } from './run-status.js';
import { RunWatch } from './run-watch.js';
import { JobSource } from './source.js';
import { unrecordedError, type Checkpoint } from './state/checkpoint.js';
import { summarize, type Summary } from './summary.js';
import { chainResults, loadMasterExports, type ResultHandler } from './task-exports.js';
import { listenFirst } from './early-slaves.js';

export type { Summary } from './summary.js';

export interface MasterEvents {
  progress: [ProgressSnapshot];
}

/**
 * The master: pulls jobs from the generator into a bounded buffer, serves them to slaves over
 * ZeroMQ, and records every completion so a stopped or crashed run resumes where it was.
 * (`run()` starts one with slaves on this host.)
 * @example
 * const master = await Master.start({ module: 'tasks.ts', address: 'tcp://127.0.0.1:*', rate: '500/s' });
 * process.once('SIGINT', () => master.stop()); // a second stop() is immediate
 * const summary = await master.done; // once slaves at master.endpoint have run every job
 */
export class Master extends EventEmitter<MasterEvents> {
  readonly endpoint: string;
  /** Resolves when the run ends, by finishing, a stop, or a fatal error. */
  readonly done: Promise<Summary>;
  /**
   * Whether slaves are needed: true at once, but for a run the state says has finished, which
   * ends with nothing to do (false), unless its generator yields a job after all (true).
   */
  readonly needsSlaves: Promise<boolean>;
  /** What a window onto the run reads (--http): the STATUS report, counts, the last dead letters. */
  readonly watch: RunWatch = new RunWatch(() => this.#dispatcher.report()!, () => this.#recorder.counts);
  #needSlaves: (needed: boolean) => void = () => {};
  readonly #options: ResolvedMasterOptions;
  readonly #logger: Logger;
  readonly #listener: Listener;
  readonly #plan: RunPlan;
  readonly #checkpoint: Checkpoint;
  readonly #ledger: Ledger;
  readonly #source: JobSource;
  readonly #dispatcher: Dispatcher;
  readonly #retries: RetryQueue;
  readonly #recorder: Recorder;
  readonly #progress: RunProgress;
  readonly #controls: RunControls;
  readonly #timers: NodeJS.Timeout[] = [];
  #finish: (summary: Summary) => void = () => {};
  #stopping = false;
  #ended = false;
  #fatal: Error | undefined;

  /** Binds the socket, loads the module and opens the state: every usage error surfaces here. */
  static async start(options: MasterOptions): Promise<Master> {
    const resolved = resolveMasterOptions(options);
    const logger = createLogger('master', resolved.logLevel);
    const at = (file: string | undefined): string | undefined => file && resolve(resolved.cwd, file);
    const curve = serverCurve({ curveSecret: at(resolved.curveSecret), authorizedKeys: at(resolved.authorizedKeys), trustedKeys: resolved.trustedKeys }, logger);
    checkBindAddress(resolved.address, resolved.insecure, curve !== undefined);
    const { url, listener } = await listenFirst(resolved, curve, logger);
    let plan: RunPlan | undefined;
    try {
      const exports = await loadMasterExports(resolved.module, resolved.fn, url);
      plan = openRun(resolved, exports, logger);
      const ledger = new Ledger(plan.resumed?.ledger);
      return new Master(resolved, logger, listener, plan, ledger, plan.jobs(ledger), chainResults(exports.handleResult, resolved.onResult));
    } catch (error) {
      plan?.close();
      listener.close();
      throw error;
    }
  }

  private constructor(
    options: ResolvedMasterOptions,
    logger: Logger,
    listener: Listener,
    plan: RunPlan,
    ledger: Ledger,
    iterable: AsyncIterable<unknown> | Iterable<unknown>,
    handleResult: ResultHandler | undefined,
  ) {
    super();
    this.#options = options;
    this.#logger = logger;
    this.#plan = plan;
    this.#listener = listener;
    this.endpoint = listener.socket.lastEndpoint ?? options.address;
    this.#checkpoint = plan.checkpoint;
    this.#ledger = ledger;
    this.done = new Promise((resolve) => (this.#finish = resolve));
    this.needsSlaves = new Promise((resolve) => (this.#needSlaves = resolve));
    const resumed = plan.resumed;
    if (resumed?.finished !== true) this.#needSlaves(true);
    // Held seqs lie within this many above the watermark; the table starts at what the buffer holds, and grows with the slaves' credit (see JobTable).
    const window = 2 ** Math.ceil(Math.log2(Math.max(options.size * 4, 2 ** 20)));
    const table = new JobTable(window, options.size * 2);
    this.#controls = new RunControls(options, { dispatch: () => this.#dispatcher.dispatch(), stop: () => void (this.#stopping || this.stop()), logger, originOf: plan.originOf });
    this.#source = new JobSource(iterable, ledger, table, { size: options.size, window, cursorMode: resumed?.cursorMode, generator: options.fn, limit: options.limit, onReject: (...rejected) => this.#recorder.reject(...rejected) });
    this.#retries = new RetryQueue({ retries: options.retries, backoffMs: options.retryBackoff, onReady: () => this.#dispatcher.dispatch() });
    this.#recorder = new Recorder(ledger, table, this.#checkpoint, this.#retries, { handleResult, outputs: plan.outputs, logger, describeSeq: (seq) => plan.describeSeq(seq), ...this.#controls.recording, watch: this.watch });
    this.#dispatcher = new Dispatcher(listener.socket, this.#source, table, this.#retries, {
      runId: randomBytes(8).toString('hex'),
      lease: options.lease,
      jobTimeout: options.jobTimeout,
      wantResults: handleResult !== undefined || (plan.outputs?.wantResults ?? false),
      ...this.#controls.dispatching,
      originOf: plan.originOf,
      logger,
      watch: this.watch,
      onReport: (report) => this.#record(report),
      onRequeue: (count, why, slave) => logger.info(`${count} in-flight jobs back in the buffer from ${slave}: ${why}`),
      status: () => runStatus(options, this.#checkpoint.path, this.progress(), ledger, this.#stopping),
    });
    this.#progress = new RunProgress(ledger, plan.total);
    this.#source.onAvailable = () => this.#onAvailable();
    logger.info(`listening on ${this.endpoint}; state ${this.#checkpoint.path}${resumed ? ` (resuming at seq ${ledger.watermark}, ${ledger.finished} finished)` : ''}`);
    void plan.count().then((total) => total !== undefined && (this.#progress.total = total));
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
      retrying: this.#retries.size,
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
    this.#retries.abandon();
    this.#timers.push(setTimeout(() => this.#end('stopped'), this.#options.grace).unref());
    this.#checkDone();
  }

  async #record(report: Report): Promise<void> {
    try {
      await this.#recorder.record(report);
    } catch (error) {
      return this.#fail(error as Error);
    }
    this.#source.poke();
    this.#checkDone();
  }

  #onAvailable(): void {
    if (this.#source.length > 0) this.#needSlaves(true);
    this.#dispatcher.dispatch();
    const failure = this.#fatal === undefined ? this.#source.failure : undefined;
    if (failure !== undefined) return this.#fail(failure);
    this.#checkDone();
  }

  #checkDone(): void {
    if (this.#ended) return;
    if (this.#stopping && this.#dispatcher.inFlight === 0) return void this.#end(this.#fatal ? 'failed' : 'stopped');
    if (this.#source.allFinished) void this.#end(this.#source.limited ? 'stopped' : 'finished');
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
      this.#fatal = unrecordedError(error);
      return void this.#end('failed');
    }
    this.#fatal = error;
    this.#logger.error(error.message);
    this.stop();
  }

  async #end(outcome: Summary['outcome']): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#needSlaves(false);
    for (const timer of this.#timers) clearInterval(timer);
    this.#retries.close();
    this.#source.stop();
    this.#dispatcher.pause();
    const finished = outcome === 'finished' && this.#fatal === undefined;
    if (finished) this.#dispatcher.quitAll();
    if (!(this.#fatal instanceof StateError)) this.#snapshot(finished);
    this.#dispatcher.close();
    await this.#dispatcher.flush();
    this.#listener.close();
    await this.#controls.close().catch((error: unknown) => void (this.#fatal ??= error as Error));
    try {
      this.#checkpoint.close();
    } catch (error) {
      this.#fatal ??= unrecordedError(error as Error);
    }
    const summary = summarize(outcome, this.#fatal, this.#recorder.counts, this.progress(), this.#ledger.failed, this.#plan.deadLetterFile, this.#controls.halt(this.#source.limited && !this.#stopping));
    // Said before the summary: a run that ends must not hide how many lines it held back.
    this.#logger.flush();
    this.#finish(this.#plan.finish(summary));
  }

  #snapshot(finished: boolean): void {
    try {
      this.#checkpoint.snapshot(this.#ledger.snapshot(), { cursorMode: this.#source.cursorMode, total: this.#progress.total, finished });
    } catch (error) {
      // The final snapshot of #end failing must still fail the run.
      if (this.#ended) this.#fatal ??= unrecordedError(error as Error);
      else this.#fail(error as Error);
    }
  }

  #every(ms: number, fn: () => void): void {
    this.#timers.push(setInterval(fn, ms).unref());
  }
}

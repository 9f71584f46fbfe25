import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { serverCurve } from '../curve/curve-config.js';
import { createLogger, type Logger } from '../common/log.js';
import { checkBindAddress } from './listen/address.js';
import { Ledger } from './state/ledger.js';
import type { Listener } from './listen/listener.js';
import { openRun } from './plan/open-plan.js';
import { resolveMasterOptions, type MasterOptions, type ResolvedMasterOptions } from './master-options.js';
import type { Dispatcher } from './dispatch/dispatcher.js';
import type { Recorder, Report } from './jobs/recorder.js';
import type { RetryQueue } from './jobs/retry-queue.js';
import type { RunControls } from './controls/run-controls.js';
import { wireParts, type PartInputs } from './parts.js';
import type { RunPlan } from './plan/run-plan.js';
import { RunProgress, type ProgressSnapshot } from './observe/progress.js';
import { closeRun } from './end/close-run.js';
import { failureOf, RunEnd, type Failure } from './end/run-end.js';
import { runStatus } from './observe/status.js';
import { RunWatch } from './observe/watch.js';
import type { JobSource, SourceEnd } from './jobs/job-buffer.js';
import { summarize, type Summary } from './observe/summary.js';
import { chainResults, loadMasterExports } from './plan/task-exports.js';
import { advertiseEndpoint } from './listen/endpoint-file.js';
import { listenFirst } from './listen/early-slaves.js';
import { locateRun } from './plan/run-target.js';
import { plural } from '../common/plural.js';
import { prepareShipping } from './plan/shipped-code.js';

export type { Summary } from './observe/summary.js';

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
  /** The state said this run had finished already: it ends at once, unless its generator yields a new job. */
  readonly alreadyFinished: boolean;
  /** Resolves when the run ends, by finishing, a stop, or a fatal error. */
  readonly done: Promise<Summary>;
  /** Whether slaves are needed: true, but false for a run `alreadyFinished` (true if its generator yields a job after all). */
  readonly needsSlaves: Promise<boolean>;
  /** What a window onto the run reads (--http): the STATUS report, counts, the last dead letters. */
  readonly watch: RunWatch = new RunWatch(() => this.#dispatcher.report()!, () => this.#recorder.counts);
  /** sha256 (hex) of the handler bundle this master ships (`ship`), or undefined when it ships none. */
  readonly bundleHash: string | undefined;
  #needSlaves: (needed: boolean) => void = () => {};
  readonly #options: ResolvedMasterOptions;
  readonly #logger: Logger;
  readonly #listener: Listener;
  readonly #plan: RunPlan;
  readonly #ledger: Ledger;
  readonly #source: JobSource;
  readonly #dispatcher: Dispatcher;
  readonly #retries: RetryQueue;
  readonly #recorder: Recorder;
  readonly #progress: RunProgress;
  readonly #controls: RunControls;
  readonly #timers: NodeJS.Timeout[] = [];
  /** The one owner of how this run ends: every ending is reported to it, and it decides. */
  readonly #end: RunEnd;
  #finish: (summary: Summary) => void = () => {};
  #stopping = false;
  #ended = false;
  /** Removes `<state>.endpoint`, by which tm-status finds this run. */
  readonly #removeEndpointFile: () => void;

  /** Opens a run in one pass (options, module and state named, bind, load, plan): every usage error surfaces here. */
  static async start(options: MasterOptions): Promise<Master> {
    const resolved = resolveMasterOptions(options);
    const logger = createLogger('master', resolved.logLevel);
    const at = (file: string | undefined): string | undefined => file && resolve(resolved.cwd, file);
    const curve = serverCurve({ curveSecret: at(resolved.curveSecret), authorizedKeys: at(resolved.authorizedKeys), trustedKeys: resolved.trustedKeys, pair: resolved.curveKeys }, logger);
    checkBindAddress(resolved.address, resolved.insecure, curve !== undefined);
    const target = locateRun(resolved);
    const listener = await listenFirst(resolved, target.statePath, curve, logger);
    let plan: RunPlan | undefined;
    try {
      // Bundled (--ship) while the module loads: esbuild's work overlaps the import.
      const [exports, shipping] = await Promise.all([loadMasterExports(resolved.module, resolved.fn, target.url), prepareShipping(resolved, curve !== undefined, logger)]);
      plan = openRun(resolved, target, exports, logger);
      const ledger = new Ledger(plan.resumed?.ledger);
      return new Master({ options: resolved, logger, listener, plan, ledger, shipping, iterable: plan.jobs(ledger), handleResult: chainResults(exports.handleResult, resolved.onResult) });
    } catch (error) {
      plan?.close();
      listener.close();
      throw error;
    }
  }

  private constructor(inputs: Omit<PartInputs, 'observer'>) {
    super();
    const { options, logger, listener, plan, ledger, shipping } = inputs;
    this.#options = options;
    this.#logger = logger;
    this.#plan = plan;
    this.#listener = listener;
    this.endpoint = listener.socket.lastEndpoint ?? options.address;
    this.#ledger = ledger;
    this.bundleHash = shipping.sha256;
    this.#end = new RunEnd(logger);
    this.done = new Promise((resolve) => (this.#finish = resolve));
    this.needsSlaves = new Promise((resolve) => (this.#needSlaves = resolve));
    const resumed = plan.resumed;
    this.alreadyFinished = resumed?.finished === true;
    if (!this.alreadyFinished) this.#needSlaves(true);
    const parts = wireParts(
      { ...inputs, observer: this.watch },
      {
        onReport: (report) => this.#record(report),
        onSourceEnd: (end) => this.#onSourceEnd(end),
        onAvailable: () => this.#onAvailable(),
        onFatal: (error) => this.#fail({ kind: 'fatal', error }),
        onHalt: (halt) => void (this.#end.report({ kind: 'max-failures', halt }) && this.#drain()),
        status: () => runStatus(options, this.#plan.checkpoint.path, this.progress(), ledger, this.#stopping),
      },
    );
    ({ controls: this.#controls, source: this.#source, retries: this.#retries, recorder: this.#recorder, dispatcher: this.#dispatcher } = parts);
    this.#progress = new RunProgress(ledger, plan.total, () => plan.fractionDone(ledger));
    plan.checkpoint.onLockLost((error) => this.#fail(failureOf(error)));
    // Before the line that says it listens: whoever waits for that line can find the run by the file.
    this.#removeEndpointFile = advertiseEndpoint(plan.checkpoint.path, this.endpoint, listener.publicKey, logger);
    logger.info(`listening on ${this.endpoint}; state ${this.#plan.checkpoint.path}${resumed ? ` (resuming at seq ${ledger.watermark}, ${ledger.finished} finished)` : ''}`);
    void plan.count().then((total) => total !== undefined && (this.#progress.total = total));
    void this.#source.pump();
    void this.#dispatcher.serve().catch((error: unknown) => this.#fail({ kind: 'fatal', error: error as Error }));
    this.#timers.push(setInterval(() => this.#snapshot(false), options.checkpointInterval).unref());
    this.#timers.push(setInterval(() => this.emit('progress', this.progress()), 250).unref());
  }

  /** Counts and rates for a progress display. */
  progress(): ProgressSnapshot {
    return this.#progress.snapshot({ buffered: this.#source.length, size: this.#options.size, inFlight: this.#dispatcher.inFlight, slaves: this.#dispatcher.slaves, retrying: this.#retries.size });
  }

  /** Stops: no new dispatch, in-flight jobs get `--grace` ms, the state is flushed; `signal` sets the exit code (143 SIGTERM, else 130). Again: at once. */
  stop(signal?: NodeJS.Signals): void {
    this.#end.report({ kind: 'stop', signal });
    if (this.#stopping) return this.destroy();
    this.#drain();
  }

  /** Stops at once: nothing more is awaited, the state is flushed as it is. Idempotent. */
  destroy(): void {
    this.#end.report({ kind: 'stop' });
    void this.#close();
  }

  /** Slaves could not load its handler, or were refused (exit 2); with `usage` false, every host of `--hosts` failed (exit 1: the hosts were wrong, not the command line). */
  slavesFailed(error: Error, usage = true): void {
    this.#fail(usage ? { kind: 'slaves-failed', error } : { kind: 'fatal', error });
  }

  /** No new dispatch; in-flight jobs get `--grace` ms to land, then the run closes. */
  #drain(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#dispatcher.inFlight > 0) this.#logger.info(`stopping: waiting up to ${this.#options.grace} ms for ${plural(this.#dispatcher.inFlight, 'in-flight job')}`);
    this.#source.stop();
    this.#dispatcher.pause();
    this.#retries.abandon();
    // Not unref'd: a stopping master must get to its end, though nothing else keeps the process up.
    this.#timers.push(setTimeout(() => void this.#close(), this.#options.grace));
    this.#checkDone();
  }

  async #record(report: Report): Promise<void> {
    try {
      await this.#recorder.record(report);
    } catch (error) {
      return this.#fail(failureOf(error));
    }
    this.#source.poke();
    this.#checkDone();
  }

  #onSourceEnd(end: SourceEnd): void {
    if (end.failure !== undefined) this.#fail({ kind: 'generator-failed', error: end.failure });
    else this.#end.report(end.limited ? { kind: 'limit-reached', halt: this.#controls.limitHalt() } : { kind: 'generator-ended' });
  }

  #onAvailable(): void {
    if (this.#source.length > 0) this.#needSlaves(true);
    this.#dispatcher.dispatch();
    this.#checkDone();
  }

  /** Ends the run once there is nothing left to wait for: its jobs are all finished, or it is stopping and none is in flight. */
  #checkDone(): void {
    if (this.#ended) return;
    const drained = this.#source.drained;
    if (this.#end.canFinish(drained) || this.#end.limitDone(drained) || (this.#stopping && this.#dispatcher.inFlight === 0)) void this.#close();
  }

  /**
   * A failure, said once as it happens. A state that cannot be written ends the run at once (the
   * last good checkpoint kept); anything else stops taking work and lets in-flight jobs land first.
   */
  #fail(failure: Failure): void {
    const first = this.#end.report(failure);
    if (failure.kind === 'state-unwritable') void this.#close();
    else if (first) this.#drain();
  }

  /** Closes the run: the state flushed (marked finished only if the run's end says so), the socket closed, the summary given. */
  async #close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#needSlaves(false);
    for (const timer of this.#timers) clearInterval(timer);
    this.#retries.close();
    this.#source.stop();
    this.#dispatcher.pause();
    const drained = this.#source.drained;
    const finished = this.#end.canFinish(drained);
    if (this.#end.failure?.kind !== 'state-unwritable') this.#snapshot(finished);
    // Slaves leave on QUIT: only once the state says the run is finished.
    if (finished && this.#end.failure === undefined) await this.#dispatcher.quitAll();
    this.#dispatcher.close();
    await this.#dispatcher.flush();
    this.#listener.close();
    this.#removeEndpointFile();
    const deadLettered = await closeRun(this.#controls, this.#plan.checkpoint, this.#plan, finished, this.#end, (failure) => this.#fail(failure));
    const verdict = this.#end.verdict(drained, deadLettered ?? this.#ledger.failed);
    // Said before the summary: a run that ends must not hide how many lines it held back.
    this.#logger.flush();
    this.#finish(summarize(verdict, this.#recorder.counts, this.progress(), deadLettered ?? this.#ledger.failed, this.#plan.deadLetterFile, this.alreadyFinished));
  }

  #snapshot(finished: boolean): void {
    try {
      this.#plan.checkpoint.snapshot(this.#ledger.snapshot(), { cursorMode: this.#source.cursorMode, total: this.#progress.total, finished });
    } catch (error) {
      this.#fail(failureOf(error, true));
    }
  }
}


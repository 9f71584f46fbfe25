/**
 * The parts of a run, made and wired to each other in the one order their references allow;
 * what they tell the master (a report, a fatal error, the generator's end, a halt) goes to the
 * hooks it passes. master.ts keeps the run's lifecycle; this file only builds.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../common/log.js';
import { Dispatcher, type RunStatus } from './dispatch/dispatcher.js';
import { JobTable } from './jobs/job-table.js';
import type { Ledger } from './state/ledger.js';
import type { Listener } from './listen/listener.js';
import type { ResolvedMasterOptions, ResultHandler } from './master-options.js';
import { Recorder, type Report } from './jobs/recorder.js';
import { RetryQueue } from './jobs/retry-queue.js';
import { RunControls, type Halt } from './controls/run-controls.js';
import type { RunPlan } from './plan/run-plan.js';
import type { RunObserver } from './jobs/run-observer.js';
import { JobSource, type SourceEnd } from './jobs/job-buffer.js';
import type { Shipping } from './dispatch/shipping.js';

export interface RunParts {
  readonly controls: RunControls;
  readonly source: JobSource;
  readonly retries: RetryQueue;
  readonly recorder: Recorder;
  readonly dispatcher: Dispatcher;
}

/** What the parts tell the master. */
export interface PartHooks {
  readonly onReport: (report: Report) => Promise<void>;
  readonly onSourceEnd: (end: SourceEnd) => void;
  readonly onAvailable: () => void;
  readonly onFatal: (error: Error) => void;
  /** `--max-failures` was passed. */
  readonly onHalt: (halt: Halt) => void;
  readonly status: () => RunStatus;
}

/** What the parts are made from. */
export interface PartInputs {
  readonly options: ResolvedMasterOptions;
  readonly plan: RunPlan;
  readonly ledger: Ledger;
  readonly iterable: AsyncIterable<unknown> | Iterable<unknown>;
  readonly handleResult: ResultHandler | undefined;
  readonly listener: Listener;
  readonly logger: Logger;
  /** Told what the core sees happen (the master's RunWatch, for --http). */
  readonly observer: RunObserver;
  /** The code shipped to slaves that FETCH it (`--ship`), and the HELLO check of theirs. */
  readonly shipping: Shipping;
}

/** Makes the parts of a run and wires them to each other and to `hooks`. */
export function wireParts({ options, plan, ledger, iterable, handleResult, listener, logger, observer, shipping }: PartInputs, hooks: PartHooks): RunParts {
  // Held seqs lie within this many above the watermark; the table starts at what the buffer holds, and grows with the slaves' credit (see JobTable).
  const window = 2 ** Math.ceil(Math.log2(Math.max(options.size * 4, 2 ** 20)));
  const table = new JobTable(window, options.size * 2);
  const controls = new RunControls(options, { dispatch: () => dispatcher.dispatch(), halt: hooks.onHalt, logger, originOf: plan.originOf });
  const { size, fn: generator, limit } = options;
  const onReject = (...rejected: Parameters<Recorder['reject']>): void => recorder.reject(...rejected);
  const source = new JobSource(iterable, ledger, table, { size, window, cursorMode: plan.resumed?.cursorMode, generator, limit, onReject, onEnd: hooks.onSourceEnd });
  const retries = new RetryQueue({ retries: options.retries, backoffMs: options.retryBackoff, onReady: () => dispatcher.dispatch() });
  const describeSeq = (seq: number): string => plan.describeSeq(seq);
  const recorder = new Recorder(ledger, table, plan.checkpoint, retries, { handleResult, outputs: plan.outputs, logger, describeSeq, ...controls.recording, observer });
  const dispatcher = new Dispatcher(listener.socket, source, table, retries, {
    runId: randomBytes(8).toString('hex'),
    lease: options.lease,
    jobTimeout: options.jobTimeout,
    wantResults: handleResult !== undefined || (plan.outputs?.wantResults ?? false),
    ...controls.dispatching,
    originOf: plan.originOf,
    logger,
    observer,
    shipping,
    onReport: hooks.onReport,
    onFatal: hooks.onFatal,
    status: hooks.status,
  });
  source.onAvailable = hooks.onAvailable;
  return { controls, source, retries, recorder, dispatcher };
}

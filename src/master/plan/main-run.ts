import { UsageError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { JobArgs } from '../../task/task.js';
import type { Ledger } from '../state/ledger.js';
import type { OutputFiles } from '../results/output-files.js';
import { OutputSink } from '../results/output-sink.js';
import type { RunPlan } from './run-plan.js';
import { Checkpoint, deadLetterPath, type CheckpointOptions, type CursorMode, type RecoveredState, type RunIdentity } from '../state/checkpoint.js';
import type { MasterExports } from './task-exports.js';

/** What a run whose state had finished already says, as a log line, a summary line and run()'s warning. */
export const ALREADY_FINISHED = 'the state says this run already finished, so nothing ran; pass --reset (run(): reset: true) to run it again';

/** How the run's state is opened: `reset` forgets it first; `lockStale` is `--lock-stale`. */
type StateOpening = Required<Pick<CheckpointOptions, 'reset'>> & Pick<CheckpointOptions, 'lockStale'>;

/** The run itself: the module's generator, resumed from the run's state. */
export class MainRun implements RunPlan {
  readonly checkpoint: Checkpoint;
  readonly resumed: RecoveredState | undefined;
  readonly originOf = undefined;
  readonly outputs: OutputSink | undefined;
  readonly #exports: MasterExports;
  readonly #identity: RunIdentity;
  readonly #logger: Logger;

  /** What the master says of the state it opened, once the run can start. */
  readonly #opening: string | undefined;

  private constructor(checkpoint: Checkpoint, resumed: RecoveredState | undefined, exports: MasterExports, identity: RunIdentity, logger: Logger, outputs: OutputSink | undefined, opening: string | undefined) {
    this.checkpoint = checkpoint;
    this.#opening = opening;
    this.outputs = outputs;
    this.resumed = resumed;
    this.#exports = exports;
    this.#identity = identity;
    this.#logger = logger;
  }

  /** Locks and opens the run's state at `statePath` (forgetting it first with `reset`), and its output files. */
  static open(statePath: string, identity: RunIdentity, exports: MasterExports, files: OutputFiles, opening: StateOpening, logger: Logger, resultsAsJson = false): MainRun {
    const { reset } = opening;
    const { checkpoint, state, outputs, dropped } = Checkpoint.open(statePath, identity, { ...opening, outputs: files });
    let sink: OutputSink | undefined;
    try {
      if (checkpoint.cutTornDeadLetter()) {
        logger.warn(`cut a torn last line off the dead-letter file of ${statePath}: a master died writing it, before its job counted as failed, so this run runs that job again`);
      }
      if (dropped > 0) logger.warn(`${dropped} lines of the state log of ${statePath} count jobs whose output is missing from the output files (a machine crash before their fsync?): those jobs run again`);
      if (outputs !== undefined) checkpoint.attach((sink = OutputSink.open(files, outputs, resultsAsJson, logger)));
    } catch (error) {
      checkpoint.close();
      throw error;
    }
    // Said once the generator took its args (see jobs()); said at all, since a run started from another directory (or with other args) finds no state and starts over.
    const said = state?.finished === true ? ALREADY_FINISHED : state === undefined ? `${reset ? 'reset' : 'no state'} at ${statePath}; starting from the beginning` : undefined;
    return new MainRun(checkpoint, state && { ...state, cursorMode: resumedCursorMode(state) }, exports, identity, logger, sink, said);
  }

  get deadLetterFile(): string {
    return deadLetterPath(this.checkpoint.path);
  }

  get total(): number | undefined {
    return this.resumed?.total;
  }

  jobs(ledger: Ledger): AsyncIterable<unknown> | Iterable<unknown> {
    const { fn, args } = this.#identity;
    const iterable: unknown = this.#exports.getJobs(resumeArgument(ledger, this.resumed?.cursorMode), args);
    if (iterable === null || typeof iterable !== 'object' || !(Symbol.asyncIterator in iterable || Symbol.iterator in iterable)) {
      throw new UsageError(`\`${this.#exports.label}\` export \`${fn}\` must be a generator (async function*), it returned ${typeof iterable}`);
    }
    // Only now: a generator that refuses its args (a missing data file) is then the one line a run that cannot start says.
    if (this.#opening !== undefined) this.#logger.info(this.#opening);
    return iterable as AsyncIterable<unknown> | Iterable<unknown>;
  }

  async count(): Promise<number | undefined> {
    const countJobs = this.#exports.countJobs;
    if (countJobs === undefined) return undefined;
    try {
      const total = Number(await countJobs(this.#identity.args as JobArgs));
      return Number.isFinite(total) && total >= 0 ? total : undefined;
    } catch (error) {
      this.#logger.warn(`countJobs failed, running without a total: ${(error as Error).message}`);
      return undefined;
    }
  }

  describeSeq(seq: number): string {
    return String(seq);
  }

  fractionDone(ledger: Ledger): number | undefined {
    const progressOf = this.#exports.progressOf;
    const cursor = ledger.lastCursor;
    if (progressOf === undefined) return undefined;
    if (ledger.watermark === 0) return 0;
    if (cursor === undefined) return undefined;
    try {
      const fraction = progressOf(cursor, this.#identity.args as JobArgs);
      return typeof fraction === 'number' && fraction >= 0 ? Math.min(1, fraction) : undefined;
    } catch {
      // A progress measure is a nicety: one that throws shows no percentage, and stops nothing.
      return undefined;
    }
  }

  finish(): undefined {
    return undefined;
  }

  close(): void {
    this.checkpoint.close();
  }
}

/**
 * The cursor mode of a resumed run. A master killed before its first snapshot after the first
 * yield left the mode out of the snapshot, but its log still tells: only keys leave cursors.
 */
function resumedCursorMode({ cursorMode, ledger }: RecoveredState): CursorMode | undefined {
  return cursorMode ?? (ledger.lastCursor !== undefined || ledger.doneAbove.some((r) => r.cursor !== undefined) ? 'key' : undefined);
}

/** The `last` argument for `getJobs` that resumes after the contiguous finished prefix. */
export function resumeArgument(ledger: Ledger, mode: CursorMode | undefined): unknown {
  if (ledger.watermark === 0) return undefined;
  return mode === 'key' ? ledger.lastCursor : ledger.watermark;
}

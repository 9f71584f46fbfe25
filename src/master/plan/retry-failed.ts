/**
 * `--retry-failed`: the dead-lettered jobs of a run, run again as a small run of their own, whose
 * outcome then replaces the run's dead-letter file.
 *
 * Crash-safe by construction: the retry run keeps its own state (`<state>.retry.json`, started
 * afresh each time) and its own dead-letter file, and the run's state changes only at the end.
 * The retried jobs' output (`--results`, `--channels`) is appended to the run's files, from the
 * lengths the run's state counts, and recorded in the retry's state as it is written. At the end
 * the new dead letters are staged, the run's snapshot counts them and the output's lengths, and
 * the staged file replaces the old (see dead-letter-rewrite.ts). Killed before the snapshot, a
 * retry leaves the run's state as it was: the output it wrote is cut off by the next open, and
 * the next retry runs those jobs again. Killed after it, the next open commits the staged file.
 * So the output files hold one line per finished job's output, retried or not.
 *
 * So a dead-letter file never holds fewer dead letters than the state counts unless it was
 * damaged (cut short by a full disk, a crash or a copy): that, and a torn last line, are refused
 * before anything is written, since retrying what is left would forget the rest.
 */
import { existsSync } from 'node:fs';
import { StateError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import {
  Checkpoint,
  deadLetterPath,
  readDeadLetters,
  removeState,
  retryStatePath,
  commitDeadLetters,
  stageDeadLetters,
  type DeadLetter,
  type Outputs,
  type RecoveredState,
  type RunIdentity,
} from '../state/checkpoint.js';
import type { OutputFiles } from '../results/output-files.js';
import { OutputSink } from '../results/output-sink.js';
import { Ledger } from '../state/ledger.js';
import type { RunPlan } from './run-plan.js';
import { rejectJob } from '../../task/task.js';
import { plural } from '../../common/plural.js';

/** The run being retried: its state, locked for as long as the retry runs. */
interface MainState {
  readonly checkpoint: Checkpoint;
  readonly state: RecoveredState | undefined;
}

/** Where a retry writes its jobs' output: the run's own files, and whether results come as JSON text. */
export interface RetryOutputs {
  readonly files: OutputFiles;
  readonly resultsAsJson: boolean;
}

/**
 * A retry of the dead-lettered jobs of the state at `statePath`. `checkpoint` is the retry run's
 * own state, `jobs()` its generator (job `i` is the `i`-th dead letter by seq), and `finish`
 * folds its outcome back into the run's dead-letter file and snapshot.
 *
 * @example
 * const retry = RetryFailed.open(statePath, identity, logger);
 * // run retry.jobs() as a master run recorded in retry.checkpoint, then:
 * const deadLettered = retry.finish(finished);
 */
export class RetryFailed implements RunPlan {
  readonly checkpoint: Checkpoint;
  /** The retry's own state starts afresh each time. */
  readonly resumed = undefined;
  /** The run's output files, open at the lengths its state counts, when it writes any. */
  readonly outputs: OutputSink | undefined;
  readonly #path: string;
  readonly #main: MainState | undefined;
  /** The dead letters to run, by seq: the retry run's seq `i` is `#retried[i]`. */
  readonly #retried: readonly DeadLetter[];
  /** Dead letters of jobs the run has not finished: a resume runs them, so they are left alone. */
  readonly #kept: readonly DeadLetter[];
  readonly #logger: Logger;
  #closed = false;

  private constructor(checkpoint: Checkpoint, path: string, main: MainState | undefined, retried: DeadLetter[], kept: DeadLetter[], logger: Logger, outputs: OutputSink | undefined) {
    this.checkpoint = checkpoint;
    this.outputs = outputs;
    this.#path = path;
    this.#main = main;
    this.#retried = retried;
    this.#kept = kept;
    this.#logger = logger;
  }

  /**
   * Locks the state at `statePath`, reads its dead letters and opens a fresh retry state beside
   * it. Throws a StateError when the state or the dead-letter file cannot be trusted, or when
   * there are dead letters but no state to account them to.
   */
  static open(statePath: string, identity: RunIdentity, logger: Logger, lockStale?: number, output?: RetryOutputs): RetryFailed {
    const path = deadLetterPath(statePath);
    let records: DeadLetter[] = [];
    // Read with the lock held, so no master of the run appends meanwhile, and before the state is written.
    const read = (state: RecoveredState | undefined): void => {
      records = readDeadLetters(path, { refuseTornEnd: true });
      const ledger = new Ledger(state?.ledger);
      const counted = records.filter((r) => ledger.isFinished(r.seq)).length;
      const failed = state?.ledger.failed ?? 0;
      if (counted < failed) {
        throw new StateError(
          `dead-letter file ${path} holds ${counted} of the ${failed} dead-lettered jobs that state file ${statePath} counts: it was cut short (a full disk, a crash, a copy?); nothing was changed. Restore the file, or pass --reset to start the run over`,
        );
      }
    };
    // The run's output files are checked against its state as a resume checks them: the retry appends to them.
    const main = existsSync(statePath) ? Checkpoint.open(statePath, identity, { reset: false, check: read, lockStale, outputs: output?.files }) : undefined;
    let sink: OutputSink | undefined;
    try {
      if (main === undefined) read(undefined);
      if (main === undefined && records.length > 0) {
        throw new StateError(`dead-letter file ${path} holds ${records.length} jobs but state file ${statePath} is missing; pass the --state of the run they came from`);
      }
      const ledger = new Ledger(main?.state?.ledger);
      const retried = records.filter((r) => ledger.isFinished(r.seq));
      const kept = records.filter((r) => !ledger.isFinished(r.seq));
      if (kept.length > 0) {
        logger.warn(`${path} holds dead letters of jobs that state file ${statePath} has not finished (${plural(kept.length, 'job')}, seq ${kept[0]!.seq}…): resuming the run runs them, so they stay as they are`);
      }
      if (retried.length > 0) logger.info(`retrying ${plural(retried.length, 'dead-lettered job')} from ${path}`);
      else {
        const why = records.length > 0 ? 'holds no job the run has finished' : existsSync(path) ? 'is empty' : 'does not exist';
        logger.info(`nothing to retry: dead-letter file ${path} ${why}`);
      }
      const retryIdentity = { ...identity, fn: `${identity.fn} --retry-failed` };
      // Its state starts at the run's output lengths, and records them as the retry writes on.
      const base: Outputs | undefined = main?.outputs;
      const { checkpoint } = Checkpoint.open(retryStatePath(statePath), retryIdentity, { reset: true, lockStale, outputs: base && { fits: () => true, start: () => base } });
      if (base !== undefined) checkpoint.attach((sink = OutputSink.open(output!.files, base, output!.resultsAsJson, logger, (seq) => retried[seq]?.seq ?? seq)));
      return new RetryFailed(checkpoint, path, main, retried, kept, logger, sink);
    } catch (error) {
      sink?.close();
      main?.checkpoint.close();
      throw error;
    }
  }

  /** Jobs that still fail end up back in the run's dead-letter file. */
  get deadLetterFile(): string {
    return this.#path;
  }

  /** How many jobs the retry runs. */
  get total(): number {
    return this.#retried.length;
  }

  /** Its total is known: the count says how far it is. */
  fractionDone(): undefined {
    return undefined;
  }

  /** The retry knows its total from the start. */
  count(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  /** The seq in the run of the retry run's job `seq`: its handler is told that one. */
  readonly originOf = (seq: number): number => this.#retried[seq]?.seq ?? seq;

  /** How the retry run's seq `seq` reads in log lines: the seq of the job in the run it came from. */
  describeSeq(seq: number): string {
    const original = this.#retried[seq];
    return original === undefined ? `${seq} of the retry` : `${original.seq}`;
  }

  /** The retry run's generator: the dead-lettered jobs, exactly as they were, by seq. (Its state starts afresh: nothing to skip.) */
  *jobs(): Generator<unknown> {
    // A job its generator refused (0 attempts) is refused again: its input is bad, no handler can take it.
    for (const record of this.#retried) yield record.attempts === 0 ? rejectJob(record.job, record.error) : record.job;
  }

  /**
   * Ends the retry: after a retry run that `finished`, rewrites the dead-letter file with the
   * jobs that still fail (their seq and cursor as before, attempts added up, the last error) and
   * snapshots the run with that many failed; after a stop or a failure, changes nothing. Releases
   * the run's state. Returns how many of the retried jobs are dead-lettered now (undefined after a
   * stop or failure: the retry's own count). Throws when the run's files cannot be written.
   */
  finish(finished: boolean): number | undefined {
    try {
      if (this.#retried.length === 0) {
        this.#cleanUp();
        return 0;
      }
      if (!finished) {
        this.#logger.warn(`retry not finished: dead-letter file ${this.#path} is unchanged; run --retry-failed again to retry its jobs`);
        return undefined;
      }
      const failing = this.#stillFailing();
      stageDeadLetters(this.#path, [...this.#kept, ...failing].sort((a, b) => a.seq - b.seq));
      // Every retried job is finished in the run; those still failing are its failed ones; the
      // output of those that now succeed is in the run's files (synced when the retry's state closed).
      const { checkpoint, state } = this.#main!;
      const outputs = this.outputs?.lengths() ?? state?.outputs;
      if (state !== undefined) checkpoint.snapshot({ ...state.ledger, failed: failing.length }, { ...state, outputs });
      commitDeadLetters(this.#path);
      const succeeded = this.#retried.length - failing.length;
      this.#logger.info(
        `retried ${plural(this.#retried.length, 'dead-lettered job')}: ${succeeded} now succeed, ${failing.length} still fail${failing.length > 0 ? ` (kept in ${this.#path})` : ''}`,
      );
      this.#cleanUp();
      return failing.length;
    } finally {
      this.close();
    }
  }

  /** Releases the run's state (and its lock); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.checkpoint.close();
    this.#main?.checkpoint.close();
  }

  /** The retried dead letters the retry run dead-lettered again, under their original seq and cursor. */
  #stillFailing(): DeadLetter[] {
    const again = readDeadLetters(deadLetterPath(this.checkpoint.path));
    return again.map((record) => {
      const original = this.#retried[record.seq];
      if (original === undefined) throw new StateError(`the retry dead-lettered seq ${record.seq}, but it ran only ${this.#retried.length} jobs`);
      const { seq, cursor, job } = original;
      const { error, slave, at } = record;
      return {
        seq,
        ...(cursor === undefined ? {} : { cursor }),
        job,
        attempts: original.attempts + record.attempts,
        error,
        ...(slave === undefined ? {} : { slave }),
        ...(at === undefined ? {} : { at }),
      };
    });
  }

  /** Deletes the retry run's files: what they held is in the run's files now, or was never needed. */
  #cleanUp(): void {
    this.checkpoint.close();
    try {
      removeState(this.checkpoint.path);
    } catch (error) {
      this.#logger.warn(`${(error as Error).message}; the next --retry-failed starts it afresh anyway`);
    }
  }
}

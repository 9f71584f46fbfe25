/**
 * The master's durable state for a resumable run (DESIGN.md §2): a snapshot written atomically
 * each interval, plus a log of the completions since it, replayed onto it on start.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { StateError } from '../../common/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { CompletionLog, logPath, replayLog } from './completion-log.js';
import { cutTornEnd, DeadLetterFile } from './dead-letter-file.js';
import { deadLetterPath, type DeadLetter } from './dead-letter-record.js';
import { settleStagedDeadLetters, stagedDeadLetterFiles } from './dead-letter-rewrite.js';
import { Ledger, type LedgerSnapshot } from './ledger.js';
import { encodeState, readState } from './state-file.js';
import { StateLock } from './state-lock.js';
import type { Completion, OutputCheck, OutputRecorder, Outputs, RecoveredState, RunIdentity, StateExtra } from './state-types.js';

export type { Completion, CursorMode, OutputCheck, OutputRecorder, Outputs, RecoveredState, RunIdentity, StateExtra } from './state-types.js';
export { deadLetterPath, type DeadLetter } from './dead-letter-record.js';
export { readDeadLetters } from './dead-letter-read.js';
export { commitDeadLetters, rewriteDeadLetters, stageDeadLetters } from './dead-letter-rewrite.js';
export { logPath } from './completion-log.js';
export { lockPath } from './state-lock.js';

/** Options of `Checkpoint.open`. */
export interface CheckpointOptions {
  /** `--lock-stale`: how old another host's heartbeat must be before its lock is free. @default 30000 */
  readonly lockStale?: number | undefined;
  /** Delete the old snapshot, log and dead-letter file first (`--reset`). */
  readonly reset: boolean;
  /**
   * Looks at the recovered state, with the lock held, before anything is written: a throw leaves
   * every file as it was.
   */
  readonly check?: (state: RecoveredState | undefined) => void;
  /** The run's output files: checked against the state, and the record it starts from. @default the state's record, unchecked */
  readonly outputs?: OutputCheck;
}

/** What `Checkpoint.open` gives back. */
export interface Opened {
  readonly checkpoint: Checkpoint;
  /** The state recovered, undefined when the run starts fresh. */
  readonly state: RecoveredState | undefined;
  /** The output record the run starts from (see `OutputCheck.start`), even when fresh. */
  readonly outputs: Outputs | undefined;
  /** Log lines not replayed, their output missing from the files (see `replayLog`). */
  readonly dropped: number;
}

const FRESH: StateExtra = { cursorMode: undefined, total: undefined, finished: false };

/**
 * A run's state files, locked for this master: the snapshot at `path`, `<path>.log` of the
 * completions since it, and the dead-letter file.
 *
 * @example
 * const { checkpoint, state } = Checkpoint.open(statePath, identity, { reset: false });
 * const ledger = new Ledger(state?.ledger);
 * checkpoint.append([{ seq: 0 }, { seq: 1 }]);          // as DONE batches arrive
 * checkpoint.snapshot(ledger.snapshot(), extra);        // each --checkpoint-interval
 */
export class Checkpoint {
  readonly path: string;
  readonly #identity: RunIdentity;
  readonly #lock: StateLock;
  readonly #log: CompletionLog;
  readonly #deadLetters: DeadLetterFile;
  #outputs: OutputRecorder | undefined;
  #closed = false;

  private constructor(path: string, identity: RunIdentity, lock: StateLock, log: CompletionLog) {
    this.path = path;
    this.#identity = identity;
    this.#lock = lock;
    this.#log = log;
    this.#deadLetters = new DeadLetterFile(deadLetterPath(path));
  }

  /**
   * Locks and opens the state at `path` (creating directories), replays its log and writes the
   * result as a fresh snapshot. `state` is undefined when the run starts fresh. Throws a
   * StateError `E_STATE` when another live master holds the lock, or when the state is corrupt,
   * of another version or of another run (its files are then left untouched).
   */
  static open(path: string, identity: RunIdentity, options: CheckpointOptions): Opened {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw writeError(`could not create the directory of state file ${path}`, error);
    }
    const lock = StateLock.acquire(path, options.lockStale);
    try {
      if (options.reset) {
        lock.fence();
        removeState(path);
      }
      const stored = readState(path, identity);
      const ledger = new Ledger(stored?.ledger);
      const replayed = replayLog(logPath(path), ledger, options.outputs?.fits);
      if (stored === undefined && replayed.applied + replayed.dropped > 0) {
        throw new StateError(`state log ${logPath(path)} has completions but state file ${path} is missing; move the log away or pass --reset to start over`);
      }
      const recovered = stored && { ...stored, ledger: ledger.snapshot(), outputs: replayed.outputs ?? stored.outputs };
      settleStagedDeadLetters(deadLetterPath(path), recovered?.ledger.failed ?? 0, (seq) => ledger.isFinished(seq));
      options.check?.(recovered);
      const outputs = options.outputs === undefined ? recovered?.outputs : options.outputs.start(recovered);
      const state = recovered && { ...recovered, outputs };
      const checkpoint = new Checkpoint(path, identity, lock, new CompletionLog(logPath(path)));
      try {
        // Folds the log into the snapshot, so a torn last line never precedes new appends.
        checkpoint.snapshot(ledger.snapshot(), { ...(state ?? FRESH), outputs });
      } catch (error) {
        checkpoint.close();
        throw error;
      }
      return { checkpoint, state, outputs, dropped: replayed.dropped };
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * Takes the run's open output files: from now on each append records their lengths (write the
   * jobs' output first), each snapshot syncs them first, and `close` closes them.
   */
  attach(outputs: OutputRecorder): void {
    this.#assertOpen();
    this.#outputs = outputs;
  }

  /**
   * Throws StateError `E_STATE_LOCK_LOST` once another master took the state over: every write
   * here checks first, as must a caller before files the state counts (see state-lock.ts).
   */
  fence(): void {
    this.#assertOpen();
    this.#lock.fence();
  }

  /** Calls `listener` once should the lock's heartbeat find it lost: the master must stop at once. */
  onLockLost(listener: (error: StateError) => void): void {
    this.#lock.onLost(listener);
  }

  /** Records finished jobs in one write, durable once the OS has it; throws StateError `E_STATE_WRITE`. */
  append(completions: readonly Completion[]): void {
    this.fence();
    this.#log.append(completions, this.#outputs?.lengths());
  }

  /**
   * Replaces the snapshot atomically with `ledger` (which must hold every completion appended so
   * far), then empties the log. On failure throws StateError `E_STATE_WRITE`; the previous
   * snapshot stays in place.
   */
  snapshot(ledger: LedgerSnapshot, extra: StateExtra): void {
    this.fence();
    try {
      // The output a snapshot counts is on disk before it: a machine crash loses none of it.
      this.#outputs?.sync();
      const outputs = this.#outputs === undefined ? extra.outputs : this.#outputs.lengths();
      writeFileAtomic(this.path, encodeState(this.#identity, ledger, { ...extra, outputs }));
    } catch (error) {
      throw writeError(`could not write state file ${this.path}`, error);
    }
    this.#log.truncate();
  }

  /** Appends `record` to the dead-letter file, durably: call it before `append` counts the job failed. */
  deadLetter(record: DeadLetter): void {
    this.fence();
    this.#deadLetters.write(record);
  }

  /** Cuts off a torn last line of the dead-letter file (a record a master died writing); true when it did. */
  cutTornDeadLetter(): boolean {
    this.fence();
    try {
      return cutTornEnd(deadLetterPath(this.path));
    } catch (error) {
      throw writeError(`could not repair dead-letter file ${deadLetterPath(this.path)}`, error);
    }
  }

  /** Syncs and closes the files and releases the lock; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const outputs = this.#outputs;
    runAll([() => this.#log.sync(), () => this.#log.close(), () => this.#deadLetters.close(), () => outputs?.close(), () => this.#lock.release()]);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError(`state file ${this.path} is closed`, { code: 'E_STATE_WRITE' });
  }
}

/** The state of a `--retry-failed` run of the state at `statePath`: `<statePath>.retry.json`. */
export function retryStatePath(statePath: string): string {
  return `${statePath}.retry.json`;
}

/**
 * Deletes the files of the state at `path`: the log first, so a half-done reset leaves no orphan
 * log. The files of its `--retry-failed` run go too, since they derive from its dead letters.
 */
export function removeState(path: string): void {
  for (const file of [...stateFiles(retryStatePath(path)), ...stateFiles(path)]) {
    try {
      rmSync(file, { force: true });
    } catch (error) {
      throw writeError(`could not remove ${file}`, error);
    }
  }
}

/** The files of a state, in the order to delete them (its lock is not among them). */
function stateFiles(path: string): string[] {
  return [logPath(path), ...stagedDeadLetterFiles(deadLetterPath(path)), deadLetterPath(path), `${path}.tmp`, path];
}

function writeError(message: string, error: unknown): StateError {
  if (error instanceof StateError) return error;
  return new StateError(`${message}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
}

/** Runs every step even if one throws, then throws the first error. */
function runAll(steps: readonly (() => void)[]): void {
  let first: unknown;
  let failed = false;
  for (const step of steps) {
    try {
      step();
    } catch (error) {
      if (!failed) first = error;
      failed = true;
    }
  }
  if (failed) throw first;
}

/** The fatal error of a state that could not be written: what failed, and what the master did. */
export function unrecordedError(error: Error): StateError {
  // A lost lock says itself what happened: the state is another master's now.
  if (error instanceof StateError && error.code === 'E_STATE_LOCK_LOST') return error;
  const message = `${error.message}; stopped, keeping the last good checkpoint: run again to resume once the state can be written`;
  return new StateError(message, { code: 'E_STATE_WRITE', cause: error });
}

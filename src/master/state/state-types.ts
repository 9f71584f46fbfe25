/** What the master's durable state is made of: the types `Checkpoint` takes and gives back. */
import type { Cursor, JobArgs } from '../../task/task.js';
import type { LedgerSnapshot } from './ledger.js';

/** What a state file belongs to: a state is only ever resumed by the same run. */
export interface RunIdentity {
  /** The module as the user named it, resolved to an absolute path for files. */
  readonly module: string;
  /** The generator's export name, e.g. `getJobs`. */
  readonly fn: string;
  /** The `key=value` args. */
  readonly args: JobArgs;
  /** The slaves' handler (`file[:fn]`), when it is another module than the generator's (tm-run --source). */
  readonly handler?: string | undefined;
  /** The `--results` file, absolute. */
  readonly results?: string | undefined;
  /** The `--channels` directory, absolute. */
  readonly channels?: string | undefined;
}

/** Plain yields (`seq`) or `withCursor()` (`key`); undefined until the first job is yielded. */
export type CursorMode = 'seq' | 'key';

/** Jobs `seq..end` (one job when `end` is omitted) that finished: done, or dead-lettered when `failed`. */
export interface Completion {
  readonly seq: number;
  readonly end?: number | undefined;
  /** Resume key of the last job of the range. */
  readonly cursor?: Cursor | undefined;
  readonly failed?: boolean | undefined;
}

/** What a snapshot records beside the ledger. */
export interface StateExtra {
  readonly cursorMode: CursorMode | undefined;
  /** From `countJobs`, if known. */
  readonly total: number | undefined;
  /** The run had ended with every job finished. */
  readonly finished: boolean;
  /** How far its output files hold finished jobs' output; undefined for a run without them. */
  readonly outputs?: Outputs | undefined;
}

/** The state a run resumes from: the snapshot with the log replayed on top. */
export interface RecoveredState extends StateExtra {
  readonly ledger: LedgerSnapshot;
}

/**
 * How many bytes of each output file (`--results`, each `--channels` file by channel name) hold
 * the output of finished jobs: recorded with each completion and each snapshot, so that a resume
 * cuts what lies beyond (output of jobs that were never counted done, which run again).
 */
export interface Outputs {
  /** Bytes of the `--results` file; absent when the run has none. */
  readonly results?: number | undefined;
  /** Bytes of each channel's file; absent when the run has no `--channels`. */
  readonly channels?: Readonly<Record<string, number>> | undefined;
}

/** The run's output files as `Checkpoint.open` sees them, before anything is written. */
export interface OutputCheck {
  /** Whether the files hold at least what `outputs` records: a log line whose output is missing (a machine crash) is not replayed. */
  fits(outputs: Outputs): boolean;
  /** The record this run starts from, given the state recovered (undefined: none); throws to refuse, leaving every file as it was. */
  start(state: RecoveredState | undefined): Outputs | undefined;
}

/** The open output files, attached to a checkpoint: their lengths go with each completion, and they are synced before each snapshot. */
export interface OutputRecorder {
  lengths(): Outputs;
  sync(): void;
  close(): void;
}

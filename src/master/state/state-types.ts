/** What the master's durable state is made of: the types `Checkpoint` takes and gives back. */
import type { Cursor, JobArgs } from '../../task.js';
import type { LedgerSnapshot } from '../ledger.js';

/** What a state file belongs to: a state is only ever resumed by the same run. */
export interface RunIdentity {
  /** The module as the user named it, resolved to an absolute path for files. */
  readonly module: string;
  /** The generator's export name, e.g. `getJobs`. */
  readonly fn: string;
  /** The `key=value` args. */
  readonly args: JobArgs;
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
}

/** The state a run resumes from: the snapshot with the log replayed on top. */
export interface RecoveredState extends StateExtra {
  readonly ledger: LedgerSnapshot;
}

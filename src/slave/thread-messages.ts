/** Every message between the slave's pool (main thread) and its piscina threads. */
import type { WantResults, WireFailure } from '../protocol/messages.js';

export type { WantResults } from '../protocol/messages.js';
import type { SeqRuns } from '../protocol/seq-runs.js';

/** Set once per pool as piscina's `workerData`, so it is not cloned with every batch. */
export interface WorkerSetup {
  /** The task module, as a `file:` URL (see `resolveModule`). */
  readonly url: string;
  /** The handler's export name. */
  readonly fn: string;
  /** Jobs a thread runs at once, over the batches it holds, oldest first; it is handed more, which wait. */
  readonly concurrency: number;
}

/** A batch as it came from the master: the jobs still packed, so only a thread decodes them. */
export interface Batch {
  readonly seqs: SeqRuns;
  /** Attempt per job; absent when all are first tries. */
  readonly attempts?: readonly number[] | undefined;
  /** Each job's seq in the run, for its handler, when the batch's seqs number a --retry-failed run; else absent. */
  readonly origins?: readonly number[] | undefined;
  /** msgpack of the array of jobs. */
  readonly jobs: Uint8Array;
  /** How many jobs (seqs) it holds. */
  readonly count: number;
  /** Whether to time each job (the master keeps a job log): its result then carries `timings`. */
  readonly timings?: boolean | undefined;
}

/** One piscina task: a batch whose jobs a thread starts in order, as its lanes free up. */
export interface BatchTask {
  /** Unique in the pool: partial reports name their batch by it. */
  readonly id: number;
  /** Whether the thread reports finished jobs early (`PartialReport`) while others of the batch still run. */
  readonly partials: boolean;
  readonly seqs: SeqRuns;
  readonly attempts?: readonly number[] | undefined;
  readonly origins?: readonly number[] | undefined;
  readonly jobs: Uint8Array;
  readonly wantResults: WantResults;
  /** Whether to time each job: off, a job costs no clock read of its own. */
  readonly timings?: boolean | undefined;
  /** The progress region this batch reports into (see batch-progress.ts); untouched for an empty (warm-up) batch. */
  readonly progress: SharedArrayBuffer;
}

/** What a thread sends back for a batch. A thread that dies sends nothing; the pool reads its progress region. */
export interface BatchOutcome {
  /** Milliseconds the handlers ran, summed. */
  readonly ms: number;
  /** The jobs that failed, by index in the batch, in order. */
  readonly failures: readonly WireFailure[];
  /** Each job's return value in batch order (undefined for a failed one), when results are wanted. */
  readonly results?: unknown[];
  /** Each job's `[start (ms since the epoch), ms]` in batch order, when timed. */
  readonly timings?: Float64Array;
  /** Why the task module could not be loaded (or the batch decoded) in this thread. */
  readonly loadError?: string;
  /** The batch was called off before its first job started: no job ran. */
  readonly cancelled?: true;
  /**
   * Partial reports posted before this reply; the jobs they held are left out of `failures` and
   * `results` (undefined there). The pool waits for them all: they travel on another port.
   */
  readonly partials?: number;
}

/**
 * Some of a claimed batch's finished jobs, posted on `parentPort` (piscina re-emits it as its
 * 'message' event) while others of the batch still run, so that one slow job does not hold back
 * the outcome of all the others.
 */
export interface PartialReport {
  /** The batch's `BatchTask.id`. */
  readonly batch: number;
  /** 1, 2, … in the order the thread posted them. */
  readonly partial: number;
  /** The jobs it reports, by index in the batch, ascending; each is reported once. */
  readonly indexes: readonly number[];
  /** Those that failed, by index in `indexes`. */
  readonly failures: readonly WireFailure[];
  /** One per index, when results are wanted. */
  readonly results?: unknown[];
  /** A `[start, ms]` pair per index, when timed. */
  readonly timings?: Float64Array;
  /** Handler milliseconds of these jobs, summed. */
  readonly ms: number;
}

/** The outcome of one batch, as the pool reports it: the fields of a DONE. */
export interface BatchResult {
  /** Jobs that ran (succeeded or failed), in batch order. */
  readonly seqs: SeqRuns;
  /** Those that failed, by index in `seqs`. */
  readonly failures: readonly WireFailure[];
  /** One per seq in `seqs`, when results are wanted. */
  readonly results?: readonly unknown[];
  /** A `[start, ms]` pair per seq in `seqs`, when timed (and known: not for jobs of a dead thread). */
  readonly timings?: Float64Array;
  /** Jobs to run again: never started, called off, or run by a thread that died with their outcome. */
  readonly returned: SeqRuns;
  readonly ms: number;
}

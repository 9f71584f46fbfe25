/** A batch as the thread that holds it keeps it: its jobs, where the lanes are in them, and what is yet to report. */
import type { WireFailure } from '../protocol/messages.js';
import type { BatchOutcome, BatchTask } from './thread-messages.js';
import { HEADER_FIELDS, STATES_AT } from './batch-progress.js';

/** A batch this thread holds: its jobs start in order, on whichever lanes are free. */
export interface HeldBatch {
  readonly task: BatchTask;
  readonly count: number;
  readonly header: Int32Array;
  /**
   * One state byte per job (progress.ts). Plain writes, not Atomics: the pool reads them only
   * once this thread is dead (its exit or error reaches the main thread after every write),
   * and the watchdog reads the FINISHED count, which is stored with Atomics.
   */
  readonly states: Uint8Array;
  readonly resolve: (outcome: BatchOutcome) => void;
  /** Decoded when its first job is about to start (the batch is claimed then). */
  jobs: unknown[];
  results: unknown[] | undefined;
  /** `[start, ms]` per job, when the batch is timed (`BatchTask.timings`). */
  timings: Float64Array | undefined;
  /** Failures not yet reported. */
  failures: WireFailure[];
  /** Index of the next job to start, its seq, and where that seq's run ends (`run` indexes `task.seqs`). */
  next: number;
  seq: number;
  end: number;
  run: number;
  finished: number;
  /** Handler milliseconds, summed over its jobs. */
  ms: number;
  /** Jobs, partial reports and handler milliseconds reported so far (see `PartialReporter`). */
  reported: number;
  partials: number;
  msReported: number;
  /** Seen by a look of the `PartialReporter` with finished jobs unreported: reported at its next look. */
  lagging: boolean;
  /** No job before this index is finished and unreported. */
  scan: number;
}

/** A batch of `count` jobs just handed to this thread, none started; `resolve` takes its reply. */
export function holdBatch(task: BatchTask, count: number, resolve: (outcome: BatchOutcome) => void): HeldBatch {
  return {
    task,
    count,
    header: new Int32Array(task.progress, 0, HEADER_FIELDS),
    states: new Uint8Array(task.progress, STATES_AT, count),
    resolve,
    jobs: [],
    results: undefined,
    timings: undefined,
    failures: [],
    next: 0,
    seq: 0,
    end: 0,
    run: 0,
    finished: 0,
    ms: 0,
    reported: 0,
    partials: 0,
    msReported: 0,
    lagging: false,
    scan: 0,
  };
}

/** Every message between the slave's pool (main thread) and its piscina threads. */
import type { WireError, WireJob, WireResult } from '../protocol/messages.js';

/** Set once per pool as piscina's `workerData`, so it is not cloned with every chunk. */
export interface WorkerSetup {
  /** The task module, as a `file:` URL (see `resolveModule`). */
  readonly url: string;
  /** The handler's export name. */
  readonly fn: string;
  /** Two Int32 entries per slot, see `PROGRESS_FIELDS`. */
  readonly progress: SharedArrayBuffer;
}

/** Int32 entries per progress slot: [jobs finished, threadId of the thread running the chunk]. */
export const PROGRESS_FIELDS = 2;
export const FINISHED = 0;
export const THREAD = 1;

/** One piscina task: jobs a thread runs one after another. */
export interface ChunkTask {
  readonly jobs: readonly WireJob[];
  readonly wantResults: boolean;
  /** The progress slot this chunk reports into; ignored for an empty (warm-up) chunk. */
  readonly slot: number;
}

/**
 * What a thread sends back for a chunk, compact because cloning 1000 result objects costs more
 * than running 1000 no-op jobs: the pool rebuilds the `WireResult`s. A thread that dies sends
 * nothing; the pool reads its progress slot instead.
 */
export interface ChunkOutcome {
  /** Milliseconds each job ran, in chunk order; empty when `loadError` is set. */
  readonly ms: Float64Array;
  /** The jobs that failed, by index in the chunk, in order. */
  readonly failures: readonly ChunkFailure[];
  /** Each job's return value in chunk order (undefined for a failed one), when results are wanted. */
  readonly results?: unknown[];
  /** Why the task module could not be loaded in this thread (a UsageError's message). */
  readonly loadError?: string;
}

export interface ChunkFailure {
  readonly index: number;
  readonly error: WireError;
}

/** The outcome of one chunk, as the pool reports it. */
export interface ChunkResult {
  /** One per finished (or failed) job, in chunk order. */
  readonly results: WireResult[];
  /** Jobs never started (or whose result was lost); the caller queues them again locally. */
  readonly unstarted: WireJob[];
}

/** Turning what a thread did with a chunk into a `ChunkResult`: its reply, or what it left when it died. */
import type { WireFailure } from '../protocol/messages.js';
import { sliceRuns } from '../protocol/seq-runs.js';
import type { Batch, ChunkOutcome, ChunkResult } from './chunk.js';

/** What the pool knows of a chunk whose thread died. */
export interface Wreck {
  /** Jobs finished before the thread died (the progress count). */
  readonly finished: number;
  /** The error for the job the thread was running; undefined when that job was not to blame. */
  readonly blame: string | undefined;
  /** The error for every job when all finished but their results were lost; undefined to run them again. */
  readonly lost: string | undefined;
}

/** A chunk's result from a thread's reply. */
export function fromOutcome(batch: Batch, { ms, failures, results, loadError, cancelled }: ChunkOutcome): ChunkResult {
  if (cancelled === true) return { seqs: [], failures: [], returned: batch.seqs, ms: 0 };
  // A replacement thread that could not load the module: fail the jobs so they retry elsewhere.
  if (loadError !== undefined) return { seqs: batch.seqs, failures: failAll(batch.count, loadError), returned: [], ms: 0 };
  return { seqs: batch.seqs, failures, ...(results === undefined ? {} : { results }), returned: [], ms };
}

/**
 * Splits the chunk of a dead thread: the job at `finished` fails with `blame` (or runs again),
 * and every other job goes back to run again: those after it never started, and those before
 * it ran, but what they returned or threw died with the thread, so neither a result nor a
 * failure can be reported for them.
 */
export function fromWreck(batch: Batch, wantResults: boolean, { finished, blame, lost }: Wreck): ChunkResult {
  const { seqs, count } = batch;
  // Every job ran, yet no reply: most likely a result could not be cloned, and a rerun would not help.
  if (finished >= count && wantResults && lost !== undefined) {
    return { seqs, failures: failAll(count, lost), results: new Array<unknown>(count).fill(undefined), returned: [], ms: 0 };
  }
  const blamed = finished < count && blame !== undefined;
  const rest = sliceRuns(seqs, finished + (blamed ? 1 : 0), count);
  return {
    seqs: blamed ? sliceRuns(seqs, finished, finished + 1) : [],
    failures: blamed ? [{ index: 0, error: { message: blame, name: 'Error' } }] : [],
    ...(wantResults ? { results: blamed ? [undefined] : [] } : {}),
    returned: [...sliceRuns(seqs, 0, finished), ...rest],
    ms: 0,
  };
}

function failAll(count: number, message: string): WireFailure[] {
  return Array.from({ length: count }, (_, index) => ({ index, error: { message, name: 'Error' } }));
}

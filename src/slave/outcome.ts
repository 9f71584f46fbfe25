/** Turning what a thread did with a chunk into a `ChunkResult`: its reply, or what it left when it died. */
import type { WireFailure } from '../protocol/messages.js';
import { forEachSeq, toRuns } from '../protocol/seq-runs.js';
import type { Batch, ChunkOutcome, ChunkResult } from './chunk.js';

/** What the pool knows of a chunk whose thread died, from its job states. */
export interface Wreck {
  /** Indexes of the jobs that were running when the thread died, in order. */
  readonly running: readonly number[];
  /** How many jobs had finished. */
  readonly finished: number;
  /** The error for the jobs that were running; undefined when they were not to blame. */
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
 * Splits the chunk of a dead thread: the jobs it was running fail with `blame` (or run again),
 * and every other job goes back to run again: those not started, and those finished, whose
 * return value or error died with the thread, so neither a result nor a failure can be reported.
 */
export function fromWreck(batch: Batch, wantResults: boolean, { running, finished, blame, lost }: Wreck): ChunkResult {
  const { seqs, count } = batch;
  // Every job ran, yet no reply: most likely a result could not be cloned, and a rerun would not help.
  if (finished >= count && wantResults && lost !== undefined) {
    return { seqs, failures: failAll(count, lost), results: new Array<unknown>(count).fill(undefined), returned: [], ms: 0 };
  }
  const results = wantResults ? { results: [] } : {};
  if (blame === undefined || running.length === 0) return { seqs: [], failures: [], ...results, returned: seqs, ms: 0 };
  const blamed: number[] = [];
  const returned: number[] = [];
  let next = 0;
  forEachSeq(seqs, (seq, index) => {
    if (index === running[next]) {
      blamed.push(seq);
      next++;
    } else {
      returned.push(seq);
    }
  });
  const error = { message: blame, name: 'Error' };
  return {
    seqs: toRuns(blamed),
    failures: blamed.map((_, index) => ({ index, error })),
    ...(wantResults ? { results: new Array<unknown>(blamed.length).fill(undefined) } : {}),
    returned: toRuns(returned),
    ms: 0,
  };
}

function failAll(count: number, message: string): WireFailure[] {
  return Array.from({ length: count }, (_, index) => ({ index, error: { message, name: 'Error' } }));
}

/** Turning what a thread did with a chunk into a `ChunkResult`: its reply, or what it left when it died. */
import type { WireJob, WireResult } from '../protocol/messages.js';
import type { ChunkOutcome, ChunkResult } from './chunk.js';

/** What the pool knows of a chunk whose thread died. */
export interface Wreck {
  /** Jobs finished before the thread died (the progress count). */
  readonly finished: number;
  /** The error for the job the thread was running; undefined when that job was not to blame. */
  readonly blame: string | undefined;
  /** The error for every job when all finished but their results were lost; undefined to run them again. */
  readonly lost: string | undefined;
}

/** Rebuilds a chunk's results from a thread's compact reply. */
export function fromOutcome(jobs: readonly WireJob[], { ms, failures, results, loadError }: ChunkOutcome): ChunkResult {
  // A replacement thread that could not load the module: fail the jobs so they retry elsewhere.
  if (loadError !== undefined) return { results: jobs.map(({ seq }) => failed(seq, loadError)), unstarted: [] };
  let next = 0;
  const wire = jobs.map(({ seq }, i): WireResult => {
    const failure = failures[next];
    if (failure?.index === i) {
      next++;
      return { seq, ok: false, ms: ms[i] ?? 0, error: failure.error };
    }
    return results === undefined ? { seq, ok: true, ms: ms[i] ?? 0 } : { seq, ok: true, ms: ms[i] ?? 0, result: results[i] };
  });
  return { results: wire, unstarted: [] };
}

/**
 * Splits the chunk of a dead thread: jobs before `finished` ran (reported ok with ms 0, or run
 * again when their results were wanted), the job at `finished` fails with `blame` (or runs again),
 * and the rest never started.
 */
export function fromWreck(jobs: readonly WireJob[], wantResults: boolean, { finished, blame, lost }: Wreck): ChunkResult {
  const done = jobs.slice(0, finished);
  // Every job ran, yet no reply: most likely a result could not be cloned, and a rerun would not help.
  if (finished === jobs.length && wantResults && lost !== undefined) return { results: done.map(({ seq }) => failed(seq, lost)), unstarted: [] };
  const results: WireResult[] = wantResults ? [] : done.map(({ seq }) => ({ seq, ok: true, ms: 0 }));
  const unstarted: WireJob[] = wantResults ? done : [];
  const current = jobs[finished];
  if (current !== undefined && blame !== undefined) results.push(failed(current.seq, blame));
  else if (current !== undefined) unstarted.push(current);
  unstarted.push(...jobs.slice(finished + 1));
  return { results, unstarted };
}

function failed(seq: number, message: string): WireResult {
  return { seq, ok: false, ms: 0, error: { message, name: 'Error' } };
}

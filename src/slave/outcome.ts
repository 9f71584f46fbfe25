/** Turning what a thread did with a batch into `BatchResult`s: its partial reports, its reply, or what it left when it died. */
import type { WireFailure } from '../protocol/messages.js';
import { forEachSeq, toRuns, type SeqRuns } from '../protocol/seq-runs.js';
import { timingsAt } from '../protocol/timings.js';
import type { Batch, BatchOutcome, BatchResult, PartialReport, WantResults } from './thread-messages.js';

/**
 * One byte per job of a batch, set when the pool has received the job's partial report: such a
 * job is accounted for, and left out of the batch's final result (neither blamed nor returned).
 */
export type Received = Uint8Array;

/** What the pool knows of a batch whose thread died, from its job states. */
export interface Wreck {
  /** Indexes of the jobs that were running when the thread died, in order. */
  readonly running: readonly number[];
  /** How many jobs had finished (reported or not). */
  readonly finished: number;
  /** The error for the jobs that were running; undefined when they were not to blame. */
  readonly blame: string | undefined;
  /** The error for every job when all finished but their results were lost; undefined to run them again. */
  readonly lost: string | undefined;
  /** Jobs reported in partial reports the pool received before the death; undefined for none. */
  readonly received?: Received | undefined;
}

/** A partial report as the result of just the jobs it holds. */
export function fromPartial(batch: Batch, { indexes, failures, results, timings, ms }: PartialReport): BatchResult {
  return { seqs: seqsAt(batch.seqs, indexes), failures, ...(results === undefined ? {} : { results }), ...(timings && { timings }), returned: [], ms };
}

/** A batch's result from a thread's reply: every job, or those not in the partial reports `received`. */
export function fromOutcome(batch: Batch, outcome: BatchOutcome, received?: Received): BatchResult {
  const { ms, failures, results, timings, loadError, cancelled } = outcome;
  if (cancelled === true) return { seqs: [], failures: [], returned: batch.seqs, ms: 0 };
  // A replacement thread that could not load the module: fail the jobs so they retry elsewhere.
  if (loadError !== undefined) return { seqs: batch.seqs, failures: failAll(batch.count, loadError), returned: [], ms: 0 };
  if (received === undefined) return { seqs: batch.seqs, failures, ...(results === undefined ? {} : { results }), ...(timings && { timings }), returned: [], ms };
  // The rest after partial reports: failures are indexed in the batch, results span it (undefined where reported).
  const seqs: number[] = [];
  const rest: WireFailure[] = [];
  const kept: unknown[] | undefined = results && [];
  /** Indexes of the jobs kept, whose timings go with them. */
  const timed: number[] | undefined = timings && [];
  let f = 0;
  forEachSeq(batch.seqs, (seq, index) => {
    if (received[index] === 1) return;
    if (failures[f]?.index === index) rest.push({ index: seqs.length, error: failures[f++]!.error });
    kept?.push(results![index]);
    timed?.push(index);
    seqs.push(seq);
  });
  return { seqs: toRuns(seqs), failures: rest, ...(kept === undefined ? {} : { results: kept }), ...(timed && { timings: timingsAt(timings!, timed) }), returned: [], ms };
}

/**
 * Splits the batch of a dead thread: the jobs it was running fail with `blame` (or run again),
 * and every other job goes back to run again: those not started, and those finished, whose
 * return value or error died with the thread, so neither a result nor a failure can be reported.
 * Jobs whose partial report was received are accounted for already: left out.
 */
export function fromWreck(batch: Batch, wantResults: WantResults, { running, finished, blame, lost, received }: Wreck): BatchResult {
  const { seqs, count } = batch;
  const culprits = blame === undefined ? [] : running;
  // Every job ran, yet no reply: most likely a result could not be cloned, and a rerun would not help.
  const allLost = finished >= count && wantResults && lost !== undefined;
  if (received === undefined && allLost) {
    return { seqs, failures: failAll(count, lost), results: new Array<unknown>(count).fill(undefined), returned: [], ms: 0 };
  }
  if (received === undefined && culprits.length === 0) return { seqs: [], failures: [], ...(wantResults ? { results: [] } : {}), returned: seqs, ms: 0 };
  const failed: number[] = [];
  const returned: number[] = [];
  let next = 0;
  forEachSeq(seqs, (seq, index) => {
    const culprit = index === culprits[next];
    if (culprit) next++;
    if (received?.[index] !== 1) (allLost || culprit ? failed : returned).push(seq);
  });
  const error = { message: (allLost ? lost : blame) ?? '', name: 'Error' };
  return {
    seqs: toRuns(failed),
    failures: failed.map((_, index) => ({ index, error })),
    ...(wantResults ? { results: new Array<unknown>(failed.length).fill(undefined) } : {}),
    returned: toRuns(returned),
    ms: 0,
  };
}

/** The seqs at `indexes` (ascending) of the batch's `runs`, as runs. */
export function seqsAt(runs: SeqRuns, indexes: readonly number[]): number[] {
  const seqs: number[] = [];
  let run = 0;
  // Index of the first seq of run `run`.
  let first = 0;
  for (const index of indexes) {
    while (index >= first + runs[run + 1]!) {
      first += runs[run + 1]!;
      run += 2;
    }
    seqs.push(runs[run]! + index - first);
  }
  return toRuns(seqs);
}

function failAll(count: number, message: string): WireFailure[] {
  return Array.from({ length: count }, (_, index) => ({ index, error: { message, name: 'Error' } }));
}

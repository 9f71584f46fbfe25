/** The pool's side of partial reports: each passed on once, and the jobs it held kept out of its chunk's result. */
import type { Batch, ChunkResult, PartialReport } from './thread-messages.js';
import { fromPartial, type Received } from './outcome.js';

/** Takes a partial report of a chunk: the result of some of its jobs, before the chunk is done. */
export type OnPartial = (result: ChunkResult) => void;

/** A chunk that takes partial reports, as the receiver sees it. */
export interface ReportedChunk {
  readonly id: number;
  readonly batch: Batch;
  readonly onPartial: OnPartial | undefined;
  /** Partial reports received, and the jobs they held (undefined until the first). */
  partials: number;
  received: Received | undefined;
  /** The thread replied after more partial reports than received: called as the last arrives. */
  caughtUp: { readonly partials: number; readonly resolve: () => void } | undefined;
}

/**
 * Most milliseconds a reply waits for partial reports it says were posted before it. They arrive
 * (Node hands a thread's posted messages over before its exit); if one ever did not, the jobs it
 * held could not be told apart, and every job not received is handed back to run again.
 */
const CATCH_UP_MS = 1000;

/** Takes the partial reports the threads post (piscina's 'message' event) for the chunks that want them. */
export class PartialReceiver {
  /** Chunks that take partial reports, by id, until their result is settled: later reports are dropped. */
  readonly #chunks = new Map<number, ReportedChunk>();

  /** Takes the partial reports of a chunk, one with `onPartial`, until `settle`. */
  add(chunk: ReportedChunk): void {
    this.#chunks.set(chunk.id, chunk);
  }

  /** From now on a partial report of chunk `id` is dropped: its result is settled without it. */
  settle(id: number): void {
    this.#chunks.delete(id);
  }

  /**
   * A partial report from a thread: passed on, unless its chunk is settled. (A thread's reports
   * come in order, on one port; one posted before its thread died and received after the chunk's
   * salvage is dropped, and its jobs, returned or blamed there, are accounted for exactly once.)
   */
  receive(message: unknown): void {
    const report = message as PartialReport;
    const running = typeof report === 'object' && report !== null ? this.#chunks.get(report.chunk) : undefined;
    if (running === undefined) return;
    const received = (running.received ??= new Uint8Array(running.batch.count));
    for (const index of report.indexes) received[index] = 1;
    running.partials++;
    running.onPartial!(fromPartial(running.batch, report));
    if (running.partials === running.caughtUp?.partials) running.caughtUp.resolve();
  }
}

/** Resolves true once `running` has received `partials` partial reports, false after CATCH_UP_MS. */
export function caughtUp(running: ReportedChunk, partials: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), CATCH_UP_MS);
    running.caughtUp = {
      partials,
      resolve: () => {
        clearTimeout(timer);
        resolve(true);
      },
    };
  });
}

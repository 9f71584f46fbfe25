/** The pool's side of partial reports: each passed on once, and the jobs it held kept out of its batch's result. */
import type { Batch, BatchResult, PartialReport } from './thread-messages.js';
import { fromPartial, type Received } from './outcome.js';

/** Takes a partial report of a batch: the result of some of its jobs, before the batch is done. */
export type OnPartial = (result: BatchResult) => void;

/** A batch that takes partial reports, as the receiver keeps it. */
interface Reported {
  readonly batch: Batch;
  readonly onPartial: OnPartial;
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

/** Takes the partial reports the threads post (piscina's 'message' event) for the batches that want them. */
export class PartialReceiver {
  /** Batches that take partial reports, by id, until their result is settled: later reports are dropped. */
  readonly #batches = new Map<number, Reported>();

  /** Takes the partial reports of batch `id`, passing each to `onPartial`, until `settle`. */
  add(id: number, batch: Batch, onPartial: OnPartial): void {
    this.#batches.set(id, { batch, onPartial, partials: 0, received: undefined, caughtUp: undefined });
  }

  /**
   * From now on a partial report of batch `id` is dropped: its result is settled without it.
   * Returns which of its jobs were received in partial reports, if any were.
   */
  settle(id: number): Received | undefined {
    const received = this.#batches.get(id)?.received;
    this.#batches.delete(id);
    return received;
  }

  /**
   * A partial report from a thread: passed on, unless its batch is settled. (A thread's reports
   * come in order, on one port; one posted before its thread died and received after the batch's
   * salvage is dropped, and its jobs, returned or blamed there, are accounted for exactly once.)
   */
  receive(message: unknown): void {
    const report = message as PartialReport;
    const reported = typeof report === 'object' && report !== null ? this.#batches.get(report.batch) : undefined;
    if (reported === undefined) return;
    const received = (reported.received ??= new Uint8Array(reported.batch.count));
    for (const index of report.indexes) received[index] = 1;
    reported.partials++;
    reported.onPartial(fromPartial(reported.batch, report));
    if (reported.partials === reported.caughtUp?.partials) reported.caughtUp.resolve();
  }

  /**
   * Resolves true once batch `id` has received `partials` partial reports (at once if it has),
   * false after CATCH_UP_MS; true for a batch that takes none.
   */
  caughtUp(id: number, partials: number): Promise<boolean> {
    const reported = this.#batches.get(id);
    if (reported === undefined || reported.partials >= partials) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), CATCH_UP_MS);
      reported.caughtUp = {
        partials,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
    });
  }
}

/** The thread's side of partial reports: posts the finished jobs of batches whose other jobs still run. */
import { parentPort } from 'node:worker_threads';
import type { WireFailure } from '../protocol/messages.js';
import { timingsAt } from '../protocol/timings.js';
import type { PartialReport } from './thread-messages.js';
import type { HeldBatch } from './held-batch.js';
import { DONE, REPORTED, RUNNING } from './batch-progress.js';

/**
 * Milliseconds between looks for finished jobs to report early. A batch is reported at the second
 * look that finds it with finished jobs unreported, so one that ends within a look or two (most,
 * when no job straggles) costs no extra message.
 */
const FLUSH_MS = 20;

/** Reports early on the claimed batches that want it, while async jobs run (`BatchTask.partials`). */
export class PartialReporter {
  /** Claimed batches that want partial reports and have not replied. */
  readonly #batches = new Set<HeldBatch>();
  /** Runs `#flush` while async jobs run; synchronous jobs never start it. */
  #flusher: ReturnType<typeof setInterval> | undefined;
  readonly #awaiting: () => boolean;

  /** `awaiting` tells whether any job of this thread awaits a promise. */
  constructor(awaiting: () => boolean) {
    this.#awaiting = awaiting;
  }

  /** Reports on a batch just claimed, until `delete` as it replies. */
  add(batch: HeldBatch): void {
    this.#batches.add(batch);
  }

  delete(batch: HeldBatch): void {
    this.#batches.delete(batch);
  }

  /** An async job started: looks every FLUSH_MS for finished jobs to report, unless it does or no batch wants it. */
  jobAwaits(): void {
    if (this.#flusher !== undefined || this.#batches.size === 0) return;
    this.#flusher = setInterval(() => this.#flush(), FLUSH_MS);
    this.#flusher.unref();
  }

  /** Reports the finished jobs of every batch still running others (`all`), or of those seen so at the last look. */
  reportFinished(all: boolean): void {
    for (const batch of this.#batches) {
      if (batch.finished === batch.reported) continue;
      if (all || batch.lagging) this.#report(batch);
      else batch.lagging = true;
    }
  }

  /** Reports the finished jobs of batches still waiting on others; stops once no async job runs. */
  #flush(): void {
    // With no job awaiting, every claimed batch has replied.
    if (!this.#awaiting() || this.#batches.size === 0) {
      clearInterval(this.#flusher);
      this.#flusher = undefined;
      return;
    }
    this.reportFinished(false);
  }

  /** Posts a partial report of the batch's finished, unreported jobs. */
  #report(batch: HeldBatch): void {
    const { states, results, timings } = batch;
    const indexes: number[] = [];
    let scan = batch.next;
    for (let i = batch.scan; i < batch.next; i++) {
      const state = states[i];
      if (state === DONE) indexes.push(i);
      else if (state === RUNNING && scan === batch.next) scan = i;
    }
    const failures: WireFailure[] = [];
    const kept: WireFailure[] = [];
    for (const failure of batch.failures) (states[failure.index] === DONE ? failures : kept).push(failure);
    failures.sort((a, b) => a.index - b.index);
    let at = 0;
    for (let f = 0; f < failures.length; f++) {
      const { index, error } = failures[f]!;
      while (indexes[at] !== index) at++;
      failures[f] = { index: at, error };
    }
    const ms = batch.ms - batch.msReported;
    const partial = batch.partials + 1;
    const message: PartialReport = {
      batch: batch.task.id,
      partial,
      indexes,
      failures,
      ...(results && { results: indexes.map((i) => results[i]) }),
      ...(timings && { timings: timingsAt(timings, indexes) }),
      ms,
    };
    try {
      parentPort!.postMessage(message);
    } catch {
      // A result that cannot be cloned: the batch's reply will fail alike, and its thread with it, as without partial reports.
      this.#batches.delete(batch);
      return;
    }
    for (const i of indexes) {
      states[i] = REPORTED;
      if (results !== undefined) results[i] = undefined;
    }
    batch.failures = kept;
    batch.reported += indexes.length;
    batch.partials = partial;
    batch.msReported += ms;
    batch.scan = scan;
  }
}

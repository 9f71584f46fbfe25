/** The thread's side of partial reports: posts the finished jobs of chunks whose other jobs still run. */
import { parentPort } from 'node:worker_threads';
import type { WireFailure } from '../protocol/messages.js';
import type { PartialReport } from './thread-messages.js';
import type { HeldChunk } from './held-batch.js';
import { DONE, REPORTED, RUNNING } from './batch-progress.js';

/**
 * Milliseconds between looks for finished jobs to report early. A chunk is reported at the second
 * look that finds it with finished jobs unreported, so one that ends within a look or two (most,
 * when no job straggles) costs no extra message.
 */
const FLUSH_MS = 20;

/** Reports early on the claimed chunks that want it, while async jobs run (`ChunkTask.partials`). */
export class PartialReporter {
  /** Claimed chunks that want partial reports and have not replied. */
  readonly #chunks = new Set<HeldChunk>();
  /** Runs `#flush` while async jobs run; synchronous jobs never start it. */
  #flusher: ReturnType<typeof setInterval> | undefined;
  readonly #awaiting: () => boolean;

  /** `awaiting` tells whether any job of this thread awaits a promise. */
  constructor(awaiting: () => boolean) {
    this.#awaiting = awaiting;
  }

  /** Reports on a chunk just claimed, until `delete` as it replies. */
  add(chunk: HeldChunk): void {
    this.#chunks.add(chunk);
  }

  delete(chunk: HeldChunk): void {
    this.#chunks.delete(chunk);
  }

  /** An async job started: looks every FLUSH_MS for finished jobs to report, unless it does or no chunk wants it. */
  jobAwaits(): void {
    if (this.#flusher !== undefined || this.#chunks.size === 0) return;
    this.#flusher = setInterval(() => this.#flush(), FLUSH_MS);
    this.#flusher.unref();
  }

  /** Reports the finished jobs of every chunk still running others (`all`), or of those seen so at the last look. */
  reportFinished(all: boolean): void {
    for (const chunk of this.#chunks) {
      if (chunk.finished === chunk.reported) continue;
      if (all || chunk.lagging) this.#report(chunk);
      else chunk.lagging = true;
    }
  }

  /** Reports the finished jobs of chunks still waiting on others; stops once no async job runs. */
  #flush(): void {
    // With no job awaiting, every claimed chunk has replied.
    if (!this.#awaiting() || this.#chunks.size === 0) {
      clearInterval(this.#flusher);
      this.#flusher = undefined;
      return;
    }
    this.reportFinished(false);
  }

  /** Posts a partial report of the chunk's finished, unreported jobs. */
  #report(chunk: HeldChunk): void {
    const { states, results } = chunk;
    const indexes: number[] = [];
    let scan = chunk.next;
    for (let i = chunk.scan; i < chunk.next; i++) {
      const state = states[i];
      if (state === DONE) indexes.push(i);
      else if (state === RUNNING && scan === chunk.next) scan = i;
    }
    const failures: WireFailure[] = [];
    const kept: WireFailure[] = [];
    for (const failure of chunk.failures) (states[failure.index] === DONE ? failures : kept).push(failure);
    failures.sort((a, b) => a.index - b.index);
    let at = 0;
    for (let f = 0; f < failures.length; f++) {
      const { index, error } = failures[f]!;
      while (indexes[at] !== index) at++;
      failures[f] = { index: at, error };
    }
    const ms = chunk.ms - chunk.msReported;
    const partial = chunk.partials + 1;
    const message: PartialReport = { chunk: chunk.task.id, partial, indexes, failures, ...(results && { results: indexes.map((i) => results[i]) }), ms };
    try {
      parentPort!.postMessage(message);
    } catch {
      // A result that cannot be cloned: the chunk's reply will fail alike, and its thread with it, as without partial reports.
      this.#chunks.delete(chunk);
      return;
    }
    for (const i of indexes) {
      states[i] = REPORTED;
      if (results !== undefined) results[i] = undefined;
    }
    chunk.failures = kept;
    chunk.reported += indexes.length;
    chunk.partials = partial;
    chunk.msReported += ms;
    chunk.scan = scan;
  }
}

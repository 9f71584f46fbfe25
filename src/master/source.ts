import { UsageError } from '../errors.js';
import { isWithCursor, type Cursor } from '../task.js';
import type { CursorMode } from './checkpoint.js';
import type { Ledger } from './ledger.js';
import type { SlaveRecord } from './slave-record.js';

/** A job between the generator and a slave. */
export interface PendingJob {
  readonly seq: number;
  readonly job: unknown;
  /** Resume key (cursor mode), else undefined: the seq is the cursor. */
  readonly cursor: Cursor | undefined;
  attempt: number;
  /** The slave it is out at, while in flight. */
  owner: SlaveRecord | undefined;
}

export interface SourceOptions {
  /** Most jobs buffered ahead of dispatch. */
  readonly size: number;
  /** Most seqs between the watermark and the newest pulled job: caps what a resume re-reads. */
  readonly window: number;
  /** Cursor mode recorded by an earlier incarnation, if any. */
  readonly cursorMode: CursorMode | undefined;
}

/**
 * The generator behind a bounded buffer: pulls only while there is room, numbers jobs with
 * seqs, and skips those a previous incarnation already finished. Jobs handed back
 * (requeued) go to the head, ahead of new ones.
 */
export class JobSource {
  readonly #iterator: AsyncIterator<unknown> | Iterator<unknown>;
  readonly #ledger: Ledger;
  readonly #options: SourceOptions;
  #head: PendingJob[] = [];
  #fresh: PendingJob[] = [];
  #freshStart = 0;
  #nextSeq: number;
  #cursorMode: CursorMode | undefined;
  #exhausted = false;
  #pulling = false;
  #stopped = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  /**
   * Called when jobs become available or the generator ends: at most once per turn of the
   * event loop, so the pump fills the buffer and dispatch sends full batches, not one job each.
   */
  onAvailable: () => void = () => {};
  #announced = false;

  constructor(iterable: AsyncIterable<unknown> | Iterable<unknown>, ledger: Ledger, options: SourceOptions) {
    this.#iterator = Symbol.asyncIterator in iterable ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
    this.#ledger = ledger;
    this.#options = options;
    this.#nextSeq = ledger.watermark;
    this.#cursorMode = options.cursorMode;
  }

  /** Jobs ready to dispatch now. */
  get length(): number {
    return this.#head.length + this.#fresh.length - this.#freshStart;
  }

  /** The generator has ended: no job will be pulled again. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  get cursorMode(): CursorMode | undefined {
    return this.#cursorMode;
  }

  /** The error the generator threw, if it did. */
  get error(): unknown {
    return this.#error;
  }

  /** Seqs pulled so far, across incarnations. */
  get pulled(): number {
    return this.#nextSeq;
  }

  /** Starts pulling in the background; returns when the generator ends, fails or is stopped. */
  async pump(): Promise<void> {
    if (this.#pulling) return;
    this.#pulling = true;
    try {
      while (!this.#stopped) {
        if (this.length >= this.#options.size || this.#nextSeq - this.#ledger.watermark >= this.#options.window) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          continue;
        }
        const step = await this.#iterator.next();
        if (step.done === true) break;
        this.#accept(step.value);
      }
    } catch (error) {
      this.#error = error;
    } finally {
      if (!this.#stopped) this.#exhausted = true;
      this.#pulling = false;
      this.#announce();
    }
  }

  /** Takes up to `n` jobs, requeued ones first. */
  take(n: number): PendingJob[] {
    const out: PendingJob[] = [];
    while (out.length < n && this.#head.length > 0) out.push(this.#head.pop()!);
    const fromFresh = Math.min(n - out.length, this.#fresh.length - this.#freshStart);
    if (fromFresh > 0) {
      for (let i = 0; i < fromFresh; i++) out.push(this.#fresh[this.#freshStart + i]!);
      this.#freshStart += fromFresh;
      // Drop the taken prefix now and then, so the array stays O(size) (amortised O(1) a job).
      if (this.#freshStart === this.#fresh.length) {
        this.#fresh = [];
        this.#freshStart = 0;
      } else if (this.#freshStart >= 4096 && this.#freshStart * 2 >= this.#fresh.length) {
        this.#fresh = this.#fresh.slice(this.#freshStart);
        this.#freshStart = 0;
      }
    }
    this.#wakePump();
    return out;
  }

  /** Puts jobs back at the head of the buffer, to go out before any new job. */
  requeue(jobs: Iterable<PendingJob>): void {
    const sorted = [...jobs].sort((a, b) => b.seq - a.seq);
    // #head is a stack: the lowest seq is popped first.
    this.#head.push(...sorted);
    if (this.#head.length > 1 && sorted.length > 0) this.#head.sort((a, b) => b.seq - a.seq);
    this.#announce();
  }

  /** Stops pulling; jobs already buffered stay. */
  stop(): void {
    this.#stopped = true;
    this.#wakePump();
  }

  /** Lets the pump re-check for room (after the watermark moved). */
  poke(): void {
    this.#wakePump();
  }

  #announce(): void {
    if (this.#announced) return;
    this.#announced = true;
    setImmediate(() => {
      this.#announced = false;
      this.onAvailable();
    });
  }

  #wakePump(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #accept(value: unknown): void {
    const keyed = isWithCursor(value);
    const mode: CursorMode = keyed ? 'key' : 'seq';
    if (this.#cursorMode === undefined) this.#cursorMode = mode;
    else if (this.#cursorMode !== mode) {
      throw new UsageError(
        `getJobs yielded ${keyed ? 'a withCursor() job' : 'a plain job'} at seq ${this.#nextSeq}, but the run uses ${this.#cursorMode === 'key' ? 'withCursor()' : 'plain yields'}; use one or the other`,
      );
    }
    const seq = this.#nextSeq++;
    if (this.#ledger.isFinished(seq)) return; // finished by an earlier incarnation
    const job: PendingJob = keyed
      ? { seq, job: value.job, cursor: value.cursor, attempt: 0, owner: undefined }
      : { seq, job: value, cursor: undefined, attempt: 0, owner: undefined };
    this.#fresh.push(job);
    this.#announce();
  }
}

/** The `last` argument for `getJobs` that resumes after the contiguous finished prefix. */
export function resumeArgument(ledger: Ledger, mode: CursorMode | undefined): unknown {
  if (ledger.watermark === 0) return undefined;
  return mode === 'key' ? ledger.lastCursor : ledger.watermark;
}

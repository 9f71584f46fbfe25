import { UsageError } from '../../common/errors.js';
import { whyCannotTravel } from '../../protocol/travel.js';
import { isRejectedJob, isWithCursor, type Cursor, type RejectedJob } from '../../task/task.js';
import type { CursorMode } from '../state/checkpoint.js';
import { whyCursorCannotBeKept } from '../state/cursor-json.js';
import type { JobTable } from './job-table.js';
import type { Ledger } from '../state/ledger.js';

export interface SourceOptions {
  /** Most jobs buffered ahead of dispatch. */
  readonly size: number;
  /** Most seqs between the watermark and the newest pulled job: caps what a resume re-reads. */
  readonly window: number;
  /** Cursor mode recorded by an earlier incarnation, if any. */
  readonly cursorMode: CursorMode | undefined;
  /** The generator's export name, for messages. @default 'getJobs' */
  readonly generator?: string;
  /** Most jobs to take from the generator (`--limit`): then it counts as ended, and `limited` says why. @default no limit */
  readonly limit?: number | undefined;
  /** Called for a job the generator refused (`rejectJob`): it is never held, and the callee dead-letters it. @default none */
  readonly onReject?: ((seq: number, rejected: RejectedJob, cursor: Cursor | undefined) => void) | undefined;
  /**
   * Told at once, in the same turn, when the generator has ended (`failure` when it threw or
   * yielded what cannot travel; `limited` when `limit` cut it off). Not called after `stop()`.
   * @default none
   */
  readonly onEnd?: ((end: SourceEnd) => void) | undefined;
}

/** How the generator ended: on its own, cut off by `limit`, or failing (with why, naming the seq). */
export type SourceEnd = { readonly failure: Error } | { readonly failure?: undefined; readonly limited: boolean };

/**
 * The generator behind a bounded buffer: pulls only while there is room, numbers jobs with
 * seqs, holds them in the job table, and skips those a previous incarnation already finished.
 * The buffer itself is seqs only: the fresh ones are the held seqs in `[#takeFrom, #nextSeq)`,
 * and jobs handed back (requeued) go to the head, ahead of new ones.
 */
export class JobSource {
  readonly #iterator: AsyncIterator<unknown> | Iterator<unknown>;
  readonly #ledger: Ledger;
  readonly #table: JobTable;
  readonly #options: SourceOptions;
  readonly #generator: string;
  /** Requeued seqs: a stack, the lowest on top. */
  #head: number[] = [];
  /** The lowest fresh seq not yet taken, and how many fresh seqs are held from it on. */
  #takeFrom: number;
  #fresh = 0;
  #nextSeq: number;
  /** Above this seq, no job can have been finished by an earlier incarnation. */
  readonly #resumedUpTo: number;
  /** Whether jobs come as withCursor(): fixed by the first one (or the recorded run). */
  #keyed: boolean | undefined;
  #exhausted = false;
  /** Jobs held so far (those an earlier incarnation finished are skipped, not held), and whether `limit` ended the pulling. */
  #accepted = 0;
  #limited = false;
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

  constructor(iterable: AsyncIterable<unknown> | Iterable<unknown>, ledger: Ledger, table: JobTable, options: SourceOptions) {
    this.#iterator = Symbol.asyncIterator in iterable ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
    this.#ledger = ledger;
    this.#table = table;
    this.#options = options;
    this.#generator = options.generator ?? 'getJobs';
    this.#nextSeq = ledger.watermark;
    this.#takeFrom = ledger.watermark;
    this.#resumedUpTo = ledger.highestFinished;
    this.#keyed = options.cursorMode === undefined ? undefined : options.cursorMode === 'key';
  }

  /** Jobs ready to dispatch now. */
  get length(): number {
    return this.#head.length + this.#fresh;
  }

  /**
   * Whether every job the generator yielded is finished: it has ended (well or not) and the
   * table, which holds the buffered, the in-flight and those waiting to be retried, is empty.
   * Whether that makes the run finished is for the run's end to say (master/run-end.ts).
   */
  get drained(): boolean {
    return this.#exhausted && this.#table.size === 0;
  }

  /** The generator has ended: no job will be pulled again. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  get cursorMode(): CursorMode | undefined {
    return this.#keyed === undefined ? undefined : this.#keyed ? 'key' : 'seq';
  }

  /**
   * Why the generator ended the run, once it has ended on an error: the source's own refusals
   * as they are (they name the seq and the reason), a throw of the generator told where it happened.
   */
  #failure(): Error | undefined {
    if (this.#error === undefined) return undefined;
    const error = this.#error as Error;
    if (error instanceof UsageError) return error;
    return new Error(`${this.#generator} failed at seq ${this.#nextSeq}: ${error?.message ?? String(error)}`, { cause: error });
  }

  /** Seqs pulled so far, across incarnations. */
  get pulled(): number {
    return this.#nextSeq;
  }

  /** Starts pulling in the background; returns when the generator ends, fails or is stopped. */
  async pump(): Promise<void> {
    if (this.#pulling) return;
    this.#pulling = true;
    const { size, window } = this.#options;
    try {
      while (!this.#stopped) {
        if (this.#accepted >= (this.#options.limit ?? Infinity)) {
          this.#limited = true;
          break;
        }
        if (this.#head.length + this.#fresh >= size || this.#nextSeq - this.#ledger.watermark >= window) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          continue;
        }
        const step = await this.#iterator.next();
        if (step.done === true) break;
        this.#accept(step.value);
      }
    } catch (error) {
      // A throw is kept even when it came after stop(): a failed generator must never be taken for one that was merely stopped.
      this.#error = error ?? new Error(`${this.#generator} threw ${String(error)}`);
    } finally {
      this.#pulling = false;
      if (!this.#stopped || this.#error !== undefined) this.#ended();
      this.#announce();
    }
  }

  /** Takes up to `n` seqs to send, requeued ones first. */
  take(n: number): number[] {
    const out: number[] = [];
    while (out.length < n && this.#head.length > 0) out.push(this.#head.pop()!);
    while (out.length < n && this.#fresh > 0) {
      const seq = this.#takeFrom++;
      if (!this.#table.has(seq)) continue; // finished by an earlier incarnation: never held
      out.push(seq);
      this.#fresh--;
    }
    this.#wakePump();
    return out;
  }

  /** Puts held seqs back at the head of the buffer, to go out before any new job. */
  requeue(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.#head.push(...seqs);
    this.#head.sort((a, b) => b - a);
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

  /** The generator will give no more: said to `onEnd` now, before any other report can end the run first. */
  #ended(): void {
    this.#exhausted = true;
    const failure = this.#failure();
    this.#options.onEnd?.(failure === undefined ? { limited: this.#limited } : { failure });
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
    if (keyed !== this.#keyed) this.#checkMode(keyed);
    const seq = this.#nextSeq;
    if (seq <= this.#resumedUpTo && this.#ledger.isFinished(seq)) return void this.#nextSeq++; // finished by an earlier incarnation
    const job = keyed ? value.job : value;
    const rejected = isRejectedJob(job) ? job : undefined;
    const problem = whyCannotTravel(rejected === undefined ? job : rejected.job);
    if (problem !== undefined) {
      throw new UsageError(
        `${this.#generator} yielded a job at seq ${seq} that cannot travel to a slave: ${problem}; yield data (numbers, strings, plain objects, arrays, Maps, Sets, Dates, Buffers, BigInts), such as an id the handler looks the rest up by`,
      );
    }
    const cursorProblem = keyed ? whyCursorCannotBeKept(value.cursor) : undefined;
    if (cursorProblem !== undefined) {
      throw new UsageError(
        `${this.#generator} yielded a cursor at seq ${seq} that cannot be kept in the state: ${cursorProblem}; a cursor must come back from JSON as it was: a string, a finite number, a boolean, null, or arrays and plain objects of them`,
      );
    }
    this.#nextSeq++;
    if (rejected !== undefined) return this.#reject(seq, rejected, keyed ? value.cursor : undefined);
    this.#table.put(seq, job, keyed ? value.cursor : undefined);
    this.#accepted++;
    this.#fresh++;
    this.#announce();
  }

  #reject(seq: number, rejected: RejectedJob, cursor: Cursor | undefined): void {
    if (this.#options.onReject === undefined) throw new UsageError(`${this.#generator} yielded rejectJob() at seq ${seq}, which this run cannot dead-letter`);
    this.#options.onReject(seq, rejected, cursor);
  }

  /** The first job fixes the mode; a later one of the other kind is a usage error. */
  #checkMode(keyed: boolean): void {
    if (this.#keyed === undefined) {
      this.#keyed = keyed;
      return;
    }
    throw new UsageError(
      `${this.#generator} yielded ${keyed ? 'a withCursor() job' : 'a plain job'} at seq ${this.#nextSeq}, but the run uses ${this.#keyed ? 'withCursor()' : 'plain yields'}; use one or the other`,
    );
  }
}

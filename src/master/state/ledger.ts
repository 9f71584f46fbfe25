import type { Cursor } from '../../task/task.js';

/** Seqs `start..end` (inclusive) are finished; `cursor` is the resume key of `end`, if any. */
export interface DoneRange {
  readonly start: number;
  readonly end: number;
  readonly cursor?: Cursor | undefined;
}

/** Everything the ledger knows, as it is written to the checkpoint. */
export interface LedgerSnapshot {
  /** Every seq below it is finished: the contiguous done prefix. */
  readonly watermark: number;
  /** Resume key of seq `watermark - 1` (cursor mode only). */
  readonly lastCursor?: Cursor | undefined;
  /** Finished seqs above the watermark, sorted, disjoint and never adjacent. */
  readonly doneAbove: readonly DoneRange[];
  /** How many of the finished seqs were dead-lettered. */
  readonly failed: number;
}

/**
 * Which seqs are finished: a watermark below which all are, plus compact ranges above it.
 * Memory is O(number of gaps), not O(jobs): in-order completions only move the watermark.
 */
export class Ledger {
  #watermark: number;
  #lastCursor: Cursor | undefined;
  #ranges: DoneRange[];
  #finishedAbove: number;
  #failed: number;

  constructor(snapshot: LedgerSnapshot = { watermark: 0, doneAbove: [], failed: 0 }) {
    this.#watermark = snapshot.watermark;
    this.#lastCursor = snapshot.lastCursor;
    this.#ranges = [...snapshot.doneAbove];
    this.#finishedAbove = this.#ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0);
    this.#failed = snapshot.failed;
  }

  get watermark(): number {
    return this.#watermark;
  }

  get lastCursor(): Cursor | undefined {
    return this.#lastCursor;
  }

  /** Seqs finished, done or dead-lettered, across all incarnations of the run. */
  get finished(): number {
    return this.#watermark + this.#finishedAbove;
  }

  get failed(): number {
    return this.#failed;
  }

  /** The highest finished seq, -1 if none. */
  get highestFinished(): number {
    return this.#ranges.at(-1)?.end ?? this.#watermark - 1;
  }

  /** Whether `seq` is finished. */
  isFinished(seq: number): boolean {
    if (seq < this.#watermark) return true;
    const i = this.#indexAtOrBefore(seq);
    return i >= 0 && this.#ranges[i]!.end >= seq;
  }

  /**
   * Marks `seq` finished (`failed` if it was dead-lettered); `cursor` is its resume key.
   * Returns false, changing nothing, if it already was: duplicates are harmless.
   */
  finish(seq: number, cursor?: Cursor, failed = false): boolean {
    if (this.isFinished(seq)) return false;
    if (failed) this.#failed++;
    if (seq === this.#watermark) {
      this.#watermark = seq + 1;
      this.#lastCursor = cursor;
      const next = this.#ranges[0];
      if (next !== undefined && next.start === this.#watermark) {
        this.#ranges.shift();
        this.#finishedAbove -= next.end - next.start + 1;
        this.#watermark = next.end + 1;
        this.#lastCursor = next.cursor;
      }
      return true;
    }
    this.#finishedAbove++;
    const i = this.#indexAtOrBefore(seq);
    const before = this.#ranges[i];
    const after = this.#ranges[i + 1];
    const joinsBefore = before !== undefined && before.end === seq - 1;
    const joinsAfter = after !== undefined && after.start === seq + 1;
    if (joinsBefore && joinsAfter) {
      this.#ranges.splice(i, 2, { start: before.start, end: after.end, cursor: after.cursor });
    } else if (joinsBefore) {
      this.#ranges[i] = { start: before.start, end: seq, cursor };
    } else if (joinsAfter) {
      this.#ranges[i + 1] = { start: seq, end: after.end, cursor: after.cursor };
    } else {
      this.#ranges.splice(i + 1, 0, { start: seq, end: seq, cursor });
    }
    return true;
  }

  /**
   * Marks every seq of `start..end` finished in O(log gaps + merged ranges), as if by `finish`
   * on each; `cursor` is the resume key of `end`. Returns how many seqs were newly finished.
   */
  finishRange(start: number, end: number, cursor?: Cursor, failed = false): number {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new RangeError(`Expected a range of seqs 0 <= start <= end, got ${start}..${end}`);
    }
    if (end < this.#watermark) return 0;
    start = Math.max(start, this.#watermark);
    const ranges = this.#ranges;
    const first = this.#firstEndingAtOrAfter(start - 1);
    const last = this.#indexAtOrBefore(end + 1);
    let covered = 0;
    let absorbed = 0;
    let merged: DoneRange = { start, end, cursor };
    for (let i = first; i <= last; i++) {
      const r = ranges[i]!;
      absorbed += r.end - r.start + 1;
      covered += Math.max(0, Math.min(r.end, end) - Math.max(r.start, start) + 1);
      // A seq already finished keeps its cursor, as `finish` leaves it alone.
      const tail = r.end >= merged.end ? { end: r.end, cursor: r.cursor } : merged;
      merged = { start: Math.min(merged.start, r.start), end: tail.end, cursor: tail.cursor };
    }
    const added = end - start + 1 - covered;
    if (added === 0) return 0;
    if (failed) this.#failed += added;
    if (merged.start === this.#watermark) {
      ranges.splice(first, Math.max(0, last - first + 1));
      this.#finishedAbove -= absorbed;
      this.#watermark = merged.end + 1;
      this.#lastCursor = merged.cursor;
    } else {
      ranges.splice(first, Math.max(0, last - first + 1), merged);
      this.#finishedAbove += added;
    }
    return added;
  }

  snapshot(): LedgerSnapshot {
    return { watermark: this.#watermark, lastCursor: this.#lastCursor, doneAbove: [...this.#ranges], failed: this.#failed };
  }

  /** Index of the last range starting at or before `seq`, or -1. */
  #indexAtOrBefore(seq: number): number {
    const ranges = this.#ranges;
    // Completions mostly land at the end: check it before searching.
    const last = ranges.length - 1;
    if (last < 0 || ranges[last]!.start <= seq) return last;
    let lo = 0;
    let hi = last - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid]!.start <= seq) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Index of the first range ending at or after `seq`, or the number of ranges. */
  #firstEndingAtOrAfter(seq: number): number {
    const ranges = this.#ranges;
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid]!.end < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Lists of seqs as runs: `[start0, count0, start1, count1, …]`. Jobs mostly travel in
 * consecutive seqs, so a batch of a thousand is usually one run of two numbers.
 */
export type SeqRuns = readonly number[];

/** Encodes `seqs` (in the order given) as runs. */
export function toRuns(seqs: Iterable<number>): number[] {
  const runs: number[] = [];
  let start = -1;
  let count = 0;
  for (const seq of seqs) {
    if (count > 0 && seq === start + count) {
      count++;
      continue;
    }
    if (count > 0) runs.push(start, count);
    start = seq;
    count = 1;
  }
  if (count > 0) runs.push(start, count);
  return runs;
}

/** How many seqs the runs hold. */
export function runsLength(runs: SeqRuns): number {
  let n = 0;
  for (let i = 1; i < runs.length; i += 2) n += runs[i]!;
  return n;
}

/** Calls `visit` with each seq and its index, in order. */
export function forEachSeq(runs: SeqRuns, visit: (seq: number, index: number) => void): void {
  let index = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const start = runs[i]!;
    const end = start + runs[i + 1]!;
    for (let seq = start; seq < end; seq++) visit(seq, index++);
  }
}

/** The seqs at indexes `from` (inclusive) to `to` (exclusive), as runs. */
export function sliceRuns(runs: SeqRuns, from: number, to: number): number[] {
  const out: number[] = [];
  let index = 0;
  for (let i = 0; i < runs.length && index < to; i += 2) {
    const start = runs[i]!;
    const count = runs[i + 1]!;
    const lo = Math.max(from, index);
    const hi = Math.min(to, index + count);
    if (lo < hi) out.push(start + (lo - index), hi - lo);
    index += count;
  }
  return out;
}

/** All the seqs, as an array. */
export function expandRuns(runs: SeqRuns): number[] {
  const seqs: number[] = [];
  forEachSeq(runs, (seq) => seqs.push(seq));
  return seqs;
}

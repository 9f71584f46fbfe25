import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandRuns, forEachSeq, runsLength, sliceRuns, toRuns } from '../../src/protocol/seq-runs.js';

/** Seqs in any order, repeats allowed: mostly close together, so consecutive ones occur. */
const seqList = fc.array(fc.oneof(fc.nat(30), fc.nat(Number.MAX_SAFE_INTEGER - 1)), { maxLength: 40 });

/** Seqs as a master sends them: ranges of consecutive seqs, one after another in any order. */
const rangeList = fc.array(fc.tuple(fc.nat(100), fc.nat(12)), { maxLength: 6 }).map((ranges) => ranges.flatMap(([start, count]) => Array.from({ length: count }, (_, k) => start + k)));

/** Runs as a peer may send them: any starts, counts >= 1, adjacent runs not necessarily merged. */
const anyRuns = fc.array(fc.tuple(fc.nat(1_000), fc.integer({ min: 1, max: 6 })), { maxLength: 8 }).map((pairs) => pairs.flat());

/** The seqs runs stand for, worked out apart from the code under test. */
function oracle(runs: readonly number[]): number[] {
  const seqs: number[] = [];
  for (let i = 0; i < runs.length; i += 2) for (let k = 0; k < runs[i + 1]!; k++) seqs.push(runs[i]! + k);
  return seqs;
}

describe('toRuns', () => {
  it('merges consecutive ascending seqs into [start, count] runs, in the order given', () => {
    expect(toRuns([])).toEqual([]);
    expect(toRuns([5, 6, 7, 8])).toEqual([5, 4]);
    expect(toRuns([3, 4, 5, 9, 10, 2])).toEqual([3, 3, 9, 2, 2, 1]);
    expect(toRuns([4, 3, 3])).toEqual([4, 1, 3, 1, 3, 1]);
    expect(toRuns(Array.from({ length: 1000 }, (_, i) => 7 + i))).toEqual([7, 1000]);
  });

  it('round-trips through expandRuns, and counts with runsLength', () => {
    fc.assert(
      fc.property(fc.oneof(seqList, rangeList), (seqs) => {
        const runs = toRuns(seqs);
        expect(expandRuns(runs)).toEqual(seqs);
        expect(runsLength(runs)).toBe(seqs.length);
      }),
    );
  });

  it('makes the fewest runs: none empty, none that continues the one before', () => {
    fc.assert(
      fc.property(fc.oneof(seqList, rangeList), (seqs) => {
        const runs = toRuns(seqs);
        expect(runs.length % 2).toBe(0);
        for (let i = 0; i < runs.length; i += 2) {
          expect(runs[i + 1]).toBeGreaterThanOrEqual(1);
          if (i > 0) expect(runs[i]).not.toBe(runs[i - 2]! + runs[i - 1]!);
        }
      }),
    );
  });
});

describe('runsLength', () => {
  it('is the number of seqs the runs hold', () => {
    expect(runsLength([])).toBe(0);
    expect(runsLength([7, 3, 100, 1])).toBe(4);
    fc.assert(fc.property(anyRuns, (runs) => {
      expect(runsLength(runs)).toBe(oracle(runs).length);
    }));
  });
});

describe('expandRuns', () => {
  it('lists every seq of every run, in order', () => {
    expect(expandRuns([7, 3, 2, 2])).toEqual([7, 8, 9, 2, 3]);
    fc.assert(fc.property(anyRuns, (runs) => {
      expect(expandRuns(runs)).toEqual(oracle(runs));
    }));
  });
});

describe('sliceRuns', () => {
  it('equals slicing the expanded seqs', () => {
    fc.assert(
      fc.property(anyRuns, fc.nat(40), fc.nat(40), (runs, from, to) => {
        const slice = sliceRuns(runs, from, to);
        expect(oracle(slice)).toEqual(oracle(runs).slice(from, to));
        for (let i = 1; i < slice.length; i += 2) expect(slice[i]).toBeGreaterThanOrEqual(1); // no empty run
      }),
    );
  });

  it('cuts inside a run and across runs', () => {
    expect(sliceRuns([10, 5], 1, 3)).toEqual([11, 2]);
    expect(sliceRuns([10, 2, 50, 3], 1, 4)).toEqual([11, 1, 50, 2]);
    expect(sliceRuns([10, 2, 50, 3], 2, 2)).toEqual([]);
    expect(sliceRuns([10, 2, 50, 3], 3, 99)).toEqual([51, 2]);
  });
});

describe('forEachSeq', () => {
  it('visits each seq with its index in the list, in order', () => {
    fc.assert(
      fc.property(anyRuns, (runs) => {
        const visits: Array<[number, number]> = [];
        forEachSeq(runs, (seq, index) => visits.push([seq, index]));
        expect(visits).toEqual(oracle(runs).map((seq, index) => [seq, index]));
      }),
    );
    const visits: string[] = [];
    forEachSeq([4, 2, 9, 1], (seq, index) => visits.push(`${index}:${seq}`));
    expect(visits).toEqual(['0:4', '1:5', '2:9']);
  });
});

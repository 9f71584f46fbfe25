import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pack } from '../../src/protocol/codec.js';
import { expandRuns, runsLength, toRuns, type SeqRuns } from '../../src/protocol/seq-runs.js';
import type { Batch } from '../../src/slave/chunk.js';
import { fromOutcome, fromWreck } from '../../src/slave/outcome.js';

/** A batch over `seqs` (runs); the packed jobs are never opened on this side. */
function batch(seqs: SeqRuns): Batch {
  return { seqs, jobs: pack([]), count: runsLength(seqs) };
}

/** Seqs 100, 101, 200, 201: two runs, so a split can fall inside or between them. */
const twoRuns = batch([100, 2, 200, 2]);

describe('fromWreck', () => {
  it('accounts for every job of a dead chunk exactly once, in order, over any seq runs', () => {
    // Distinct seqs in any order: the runs come out non-contiguous, one seq or several each.
    const seqs = fc.uniqueArray(fc.oneof(fc.nat(20), fc.nat(1_000_000)), { maxLength: 12 });
    const wreck = fc.record({ finished: fc.nat(14), blame: fc.option(fc.string(), { nil: undefined }), lost: fc.option(fc.string(), { nil: undefined }) });
    fc.assert(
      fc.property(seqs, fc.boolean(), wreck, (list, wantResults, { finished, blame, lost }) => {
        const chunk = batch(toRuns(list));
        const done = Math.min(finished, chunk.count);
        const result = fromWreck(chunk, wantResults, { finished: done, blame, lost });
        const ran = expandRuns(result.seqs);
        const returned = expandRuns(result.returned);
        // No job lost, none twice.
        expect([...ran, ...returned].sort((a, b) => a - b)).toEqual([...list].sort((a, b) => a - b));
        // Both keep batch order.
        const order = (seq: number): number => list.indexOf(seq);
        expect(ran.map(order)).toEqual([...ran.map(order)].sort((a, b) => a - b));
        expect(returned.map(order)).toEqual([...returned.map(order)].sort((a, b) => a - b));
        // Failures point into the jobs that ran, in order, once each.
        const indexes = result.failures.map((f) => f.index);
        expect(indexes).toEqual([...new Set(indexes)].sort((a, b) => a - b));
        for (const index of indexes) expect(index).toBeLessThan(ran.length);
        // Nothing comes back ok: what a finished job returned or threw died with the thread.
        expect(result.failures).toHaveLength(ran.length);
        if (wantResults) expect(result.results).toHaveLength(ran.length);
        else expect(result).not.toHaveProperty('results');
        // Every job ran when all finished but their results were lost; else at most the one it was on.
        const allLost = done === chunk.count && wantResults && lost !== undefined;
        const culprit = done < chunk.count && blame !== undefined ? [list[done]] : [];
        expect(ran).toEqual(allLost ? list : culprit);
        expect(result.ms).toBe(0);
      }),
    );
  });

  it('fails the job it was on and hands back every other job, finished or not', () => {
    const result = fromWreck(twoRuns, false, { finished: 1, blame: 'boom', lost: 'lost' });
    expect(result).toMatchObject({ seqs: [101, 1], failures: [{ index: 0, error: { message: 'boom', name: 'Error' } }], ms: 0 });
    expect(result).not.toHaveProperty('results');
    expect(expandRuns(result.returned)).toEqual([100, 200, 201]);
    // The culprit opens the second run.
    expect(fromWreck(twoRuns, false, { finished: 2, blame: 'boom', lost: undefined })).toEqual({
      seqs: [200, 1],
      failures: [{ index: 0, error: { message: 'boom', name: 'Error' } }],
      returned: [100, 2, 201, 1],
      ms: 0,
    });
  });

  it('hands back, not fails, the job it was on when that job was not to blame', () => {
    const late = fromWreck(twoRuns, false, { finished: 3, blame: undefined, lost: undefined });
    expect(late).toMatchObject({ seqs: [], failures: [], ms: 0 });
    expect(late).not.toHaveProperty('results');
    expect(expandRuns(late.returned)).toEqual([100, 101, 200, 201]);
    expect(fromWreck(twoRuns, false, { finished: 0, blame: undefined, lost: undefined })).toEqual({ seqs: [], failures: [], returned: [100, 2, 200, 2], ms: 0 });
  });

  it('hands back the finished jobs too when their results were wanted, and reports only the culprit', () => {
    const result = fromWreck(twoRuns, true, { finished: 2, blame: 'boom', lost: 'lost' });
    expect(result).toMatchObject({ seqs: [200, 1], failures: [{ index: 0, error: { message: 'boom', name: 'Error' } }], results: [undefined], ms: 0 });
    expect(expandRuns(result.returned)).toEqual([100, 101, 201]);
    const unblamed = fromWreck(twoRuns, true, { finished: 1, blame: undefined, lost: undefined });
    expect(unblamed).toMatchObject({ seqs: [], failures: [], results: [], ms: 0 });
    expect(expandRuns(unblamed.returned)).toEqual([100, 101, 200, 201]);
  });

  it('fails every job when all finished but their results were lost, and hands them all back when none were wanted', () => {
    expect(fromWreck(twoRuns, true, { finished: 4, blame: 'boom', lost: 'lost' })).toEqual({
      seqs: [100, 2, 200, 2],
      failures: [0, 1, 2, 3].map((index) => ({ index, error: { message: 'lost', name: 'Error' } })),
      results: [undefined, undefined, undefined, undefined],
      returned: [],
      ms: 0,
    });
    // Without results wanted, what the jobs threw died with the thread all the same: they run again.
    const unwanted = fromWreck(twoRuns, false, { finished: 4, blame: 'boom', lost: 'lost' });
    expect(unwanted).toMatchObject({ seqs: [], failures: [], ms: 0 });
    expect(unwanted).not.toHaveProperty('results');
    expect(expandRuns(unwanted.returned)).toEqual([100, 101, 200, 201]);
  });
});

describe('fromOutcome', () => {
  it("takes the thread's failures, results and total ms, with the batch's seqs", () => {
    const failures = [{ index: 1, error: { message: 'no' } }];
    expect(fromOutcome(twoRuns, { ms: 6.5, failures, results: ['a', undefined, 'c', 'd'] })).toEqual({
      seqs: [100, 2, 200, 2],
      failures,
      results: ['a', undefined, 'c', 'd'],
      returned: [],
      ms: 6.5,
    });
    const bare = fromOutcome(twoRuns, { ms: 4, failures: [] });
    expect(bare).toEqual({ seqs: [100, 2, 200, 2], failures: [], returned: [], ms: 4 });
    expect(bare).not.toHaveProperty('results');
  });

  it('fails every job when the thread could not load the module', () => {
    expect(fromOutcome(twoRuns, { ms: 3, failures: [], loadError: 'cannot load' })).toEqual({
      seqs: [100, 2, 200, 2],
      failures: [0, 1, 2, 3].map((index) => ({ index, error: { message: 'cannot load', name: 'Error' } })),
      returned: [],
      ms: 0,
    });
  });
});

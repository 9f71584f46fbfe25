import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pack } from '../../src/protocol/codec.js';
import { expandRuns, runsLength, toRuns, type SeqRuns } from '../../src/protocol/seq-runs.js';
import type { Batch } from '../../src/slave/thread-messages.js';
import { fromOutcome, fromPartial, fromWreck, seqsAt, type Wreck } from '../../src/slave/outcome.js';

/** A batch over `seqs` (runs); the packed jobs are never opened on this side. */
function batch(seqs: SeqRuns): Batch {
  return { seqs, jobs: pack([]), count: runsLength(seqs) };
}

/** Seqs 100, 101, 200, 201: two runs, so a split can fall inside or between them. */
const twoRuns = batch([100, 2, 200, 2]);

/**
 * A wreck from job states, one per job of the batch: 0 not started, 1 running, 2 finished, 3
 * finished and reported, 4 finished and its partial report received by the pool.
 */
function wreck(states: readonly number[], blame: string | undefined, lost: string | undefined): Wreck {
  const running = states.flatMap((state, index) => (state === 1 ? [index] : []));
  const received = states.includes(4) ? Uint8Array.from(states, (state) => (state === 4 ? 1 : 0)) : undefined;
  return { running, finished: states.filter((state) => state >= 2).length, blame, lost, received };
}

describe('fromWreck', () => {
  it('accounts for every job of a dead batch exactly once, in order, over any seq runs and job states', () => {
    // Distinct seqs in any order: the runs come out non-contiguous, one seq or several each.
    const seqs = fc.uniqueArray(fc.oneof(fc.nat(20), fc.nat(1_000_000)), { maxLength: 12 });
    const states = fc.array(fc.constantFrom(0, 1, 2, 3, 4), { minLength: 12, maxLength: 12 });
    const text = fc.option(fc.string(), { nil: undefined });
    fc.assert(
      fc.property(seqs, states, fc.boolean(), text, text, (list, allStates, wantResults, blame, lost) => {
        const made = batch(toRuns(list));
        const jobStates = allStates.slice(0, made.count);
        const result = fromWreck(made, wantResults, wreck(jobStates, blame, lost));
        const ran = expandRuns(result.seqs);
        const returned = expandRuns(result.returned);
        // No job lost, none twice: those whose partial report was received are accounted for already.
        const received = list.filter((_, index) => jobStates[index] === 4);
        const unreceived = list.filter((_, index) => jobStates[index] !== 4);
        expect([...ran, ...returned, ...received].sort((a, b) => a - b)).toEqual([...list].sort((a, b) => a - b));
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
        // Every job ran when all finished but their results were lost; else exactly those running, when to blame.
        const allLost = jobStates.every((state) => state >= 2) && wantResults && lost !== undefined;
        const culprits = blame === undefined ? [] : list.filter((_, index) => jobStates[index] === 1);
        expect(ran).toEqual(allLost ? unreceived : culprits);
        expect(result.ms).toBe(0);
      }),
    );
  });

  it('fails the jobs it was running and hands back every other job, finished or not', () => {
    // Seqs 100, 101, 200, 201: finished, running, not started, running.
    const result = fromWreck(twoRuns, false, wreck([2, 1, 0, 1], 'boom', 'lost'));
    expect(result).toEqual({
      seqs: [101, 1, 201, 1],
      failures: [0, 1].map((index) => ({ index, error: { message: 'boom', name: 'Error' } })),
      returned: [100, 1, 200, 1],
      ms: 0,
    });
    // One job running, as with concurrency 1: the culprit opens the second run.
    expect(fromWreck(twoRuns, false, wreck([2, 2, 1, 0], 'boom', undefined))).toEqual({
      seqs: [200, 1],
      failures: [{ index: 0, error: { message: 'boom', name: 'Error' } }],
      returned: [100, 2, 201, 1],
      ms: 0,
    });
  });

  it('hands back, not fails, the jobs it was running when they were not to blame', () => {
    const late = fromWreck(twoRuns, false, wreck([2, 1, 2, 1], undefined, undefined));
    expect(late).toEqual({ seqs: [], failures: [], returned: [100, 2, 200, 2], ms: 0 });
    expect(fromWreck(twoRuns, false, wreck([0, 0, 0, 0], undefined, undefined))).toEqual({ seqs: [], failures: [], returned: [100, 2, 200, 2], ms: 0 });
    // Blame, but nothing was running (a batch still waiting in the thread): all go back.
    expect(fromWreck(twoRuns, true, wreck([2, 2, 0, 0], 'boom', 'lost'))).toEqual({ seqs: [], failures: [], results: [], returned: [100, 2, 200, 2], ms: 0 });
  });

  it('hands back the finished jobs too when their results were wanted, and reports only the culprits', () => {
    const result = fromWreck(twoRuns, true, wreck([2, 2, 1, 0], 'boom', 'lost'));
    expect(result).toMatchObject({ seqs: [200, 1], failures: [{ index: 0, error: { message: 'boom', name: 'Error' } }], results: [undefined], ms: 0 });
    expect(expandRuns(result.returned)).toEqual([100, 101, 201]);
    const unblamed = fromWreck(twoRuns, true, wreck([2, 1, 0, 0], undefined, undefined));
    expect(unblamed).toMatchObject({ seqs: [], failures: [], results: [], ms: 0 });
    expect(expandRuns(unblamed.returned)).toEqual([100, 101, 200, 201]);
  });

  it('fails every job when all finished but their results were lost, and hands them all back when none were wanted', () => {
    expect(fromWreck(twoRuns, true, wreck([2, 2, 2, 2], 'boom', 'lost'))).toEqual({
      seqs: [100, 2, 200, 2],
      failures: [0, 1, 2, 3].map((index) => ({ index, error: { message: 'lost', name: 'Error' } })),
      results: [undefined, undefined, undefined, undefined],
      returned: [],
      ms: 0,
    });
    // Without results wanted, what the jobs threw died with the thread all the same: they run again.
    const unwanted = fromWreck(twoRuns, false, wreck([2, 2, 2, 2], 'boom', 'lost'));
    expect(unwanted).toMatchObject({ seqs: [], failures: [], ms: 0 });
    expect(unwanted).not.toHaveProperty('results');
    expect(expandRuns(unwanted.returned)).toEqual([100, 101, 200, 201]);
    // One still running: not all finished, so the running one is the culprit, not every job.
    expect(fromWreck(twoRuns, true, wreck([2, 2, 2, 1], 'boom', 'lost'))).toMatchObject({ seqs: [201, 1], failures: [{ index: 0, error: { message: 'boom' } }], returned: [100, 2, 200, 1] });
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

  it('takes only the jobs not in the partial reports received, failures indexed among them', () => {
    // Jobs 0 and 2 (seqs 100, 200) were reported; job 3 failed.
    const received = Uint8Array.of(1, 0, 1, 0);
    const failures = [{ index: 3, error: { message: 'no' } }];
    expect(fromOutcome(twoRuns, { ms: 2, failures, results: [undefined, 'b', undefined, undefined], partials: 1 }, received)).toEqual({
      seqs: [101, 1, 201, 1],
      failures: [{ index: 1, error: { message: 'no' } }],
      results: ['b', undefined],
      returned: [],
      ms: 2,
    });
    expect(fromOutcome(twoRuns, { ms: 0, failures: [], partials: 1 }, received)).toEqual({ seqs: [101, 1, 201, 1], failures: [], returned: [], ms: 0 });
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

describe('fromPartial', () => {
  it("gives a partial report's jobs as runs of their seqs, with its failures, results and ms", () => {
    const report = { batch: 7, partial: 1, indexes: [0, 1, 3], failures: [{ index: 2, error: { message: 'no' } }], results: ['a', 'b', undefined], ms: 5 };
    expect(fromPartial(twoRuns, report)).toEqual({ seqs: [100, 2, 201, 1], failures: report.failures, results: report.results, returned: [], ms: 5 });
    const { results: _, ...bare } = report;
    expect(fromPartial(twoRuns, bare)).not.toHaveProperty('results');
  });

  it('maps any ascending indexes to their seqs over any runs', () => {
    const seqs = fc.uniqueArray(fc.nat(1000), { maxLength: 20 });
    fc.assert(
      fc.property(seqs, fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), (list, picks) => {
        const indexes = list.flatMap((_, index) => (picks[index] === true ? [index] : []));
        expect(expandRuns(seqsAt(toRuns(list), indexes))).toEqual(indexes.map((index) => list[index]));
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WireJob } from '../../src/protocol/messages.js';
import { fromOutcome, fromWreck } from '../../src/slave/outcome.js';

const jobs = (n: number): WireJob[] => Array.from({ length: n }, (_, i) => ({ seq: 100 + i, attempt: 0, job: i }));

describe('fromWreck', () => {
  it('accounts for every job of a dead chunk exactly once, in order', () => {
    const wreck = fc.record({ finished: fc.nat(12), blame: fc.option(fc.string(), { nil: undefined }), lost: fc.option(fc.string(), { nil: undefined }) });
    fc.assert(
      fc.property(fc.nat(10), fc.boolean(), wreck, (n, wantResults, { finished, blame, lost }) => {
        const chunk = jobs(n);
        const { results, unstarted } = fromWreck(chunk, wantResults, { finished: Math.min(finished, n), blame, lost });
        const seqs = [...results.map((r) => r.seq), ...unstarted.map((j) => j.seq)].sort((a, b) => a - b);
        expect(seqs).toEqual(chunk.map((j) => j.seq));
        expect(results.map((r) => r.seq)).toEqual([...results.map((r) => r.seq)].sort((a, b) => a - b));
        if (wantResults) expect(results.every((r) => !r.ok)).toBe(true); // a lost result is never reported ok
        expect(results.filter((r) => !r.ok).length).toBeLessThanOrEqual(finished >= n && wantResults && lost !== undefined ? n : 1);
      }),
    );
  });

  it('fails the job it was on and hands back the rest', () => {
    expect(fromWreck(jobs(4), false, { finished: 1, blame: 'boom', lost: 'lost' })).toEqual({
      results: [{ seq: 100, ok: true, ms: 0 }, { seq: 101, ok: false, ms: 0, error: { message: 'boom', name: 'Error' } }],
      unstarted: jobs(4).slice(2),
    });
    expect(fromWreck(jobs(3), true, { finished: 1, blame: undefined, lost: undefined })).toEqual({ results: [], unstarted: jobs(3) });
  });
});

describe('fromOutcome', () => {
  it('rebuilds results, failures and ms in chunk order', () => {
    const outcome = { ms: Float64Array.of(1.5, 2, 3), failures: [{ index: 1, error: { message: 'no' } }], results: ['a', undefined, 'c'] };
    expect(fromOutcome(jobs(3), outcome)).toEqual({
      results: [
        { seq: 100, ok: true, ms: 1.5, result: 'a' },
        { seq: 101, ok: false, ms: 2, error: { message: 'no' } },
        { seq: 102, ok: true, ms: 3, result: 'c' },
      ],
      unstarted: [],
    });
    expect(fromOutcome(jobs(1), { ms: Float64Array.of(4), failures: [] }).results).toEqual([{ seq: 100, ok: true, ms: 4 }]);
  });

  it('fails every job when the thread could not load the module', () => {
    expect(fromOutcome(jobs(2), { ms: new Float64Array(0), failures: [], loadError: 'cannot load' }).results).toMatchObject([
      { seq: 100, ok: false, error: { message: 'cannot load' } },
      { seq: 101, ok: false, error: { message: 'cannot load' } },
    ]);
  });
});

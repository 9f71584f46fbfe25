import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ledger, type LedgerSnapshot } from '../../../src/master/state/ledger.js';

const cursorOf = (seq: number): string => `c${seq}`;

/** Checks every invariant of `ledger` against the set of finished seqs it should hold. */
function expectMatches(ledger: Ledger, done: ReadonlySet<number>, failed: number, upTo: number): void {
  let prefix = 0;
  while (done.has(prefix)) prefix++;
  expect(ledger.watermark).toBe(prefix);
  expect(ledger.finished).toBe(done.size);
  expect(ledger.failed).toBe(failed);
  expect(ledger.lastCursor).toBe(prefix === 0 ? undefined : cursorOf(prefix - 1));
  const seqs = [...Array(upTo + 2).keys()];
  expect(seqs.filter((seq) => ledger.isFinished(seq))).toEqual(seqs.filter((seq) => done.has(seq)));

  const { doneAbove } = ledger.snapshot();
  // Compact: one range per maximal run of done seqs above the watermark, each keeping its end's cursor.
  let runs = 0;
  for (let seq = prefix + 1; seq <= upTo; seq++) if (done.has(seq) && !done.has(seq - 1)) runs++;
  expect(doneAbove).toHaveLength(runs);
  let previousEnd = prefix - 1;
  for (const range of doneAbove) {
    expect(range.start).toBeGreaterThan(previousEnd + 1);
    expect(range.end).toBeGreaterThanOrEqual(range.start);
    expect(range.cursor).toBe(cursorOf(range.end));
    previousEnd = range.end;
  }
}

function expectRoundTrip(ledger: Ledger, upTo: number): void {
  const snapshot: LedgerSnapshot = JSON.parse(JSON.stringify(ledger.snapshot())) as LedgerSnapshot;
  const copy = new Ledger(snapshot);
  expect(copy.snapshot()).toEqual(ledger.snapshot());
  expect(copy.finished).toBe(ledger.finished);
  const seqs = [...Array(upTo + 2).keys()];
  expect(seqs.filter((seq) => copy.isFinished(seq))).toEqual(seqs.filter((seq) => ledger.isFinished(seq)));
}

const permutation = fc
  .integer({ min: 1, max: 80 })
  .chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }));

describe('Ledger', () => {
  it('moves the watermark on in-order completions without keeping ranges', () => {
    const ledger = new Ledger();
    for (let seq = 0; seq < 1000; seq++) ledger.finish(seq, seq * 10);
    expect(ledger.snapshot()).toEqual({ watermark: 1000, lastCursor: 9990, doneAbove: [], failed: 0 });
  });

  it('keeps out-of-order completions as ranges until the gap below them fills', () => {
    const ledger = new Ledger();
    ledger.finish(2, 'c2');
    ledger.finish(3, 'c3');
    ledger.finish(5, 'c5');
    expect(ledger.snapshot()).toEqual({ watermark: 0, lastCursor: undefined, doneAbove: [{ start: 2, end: 3, cursor: 'c3' }, { start: 5, end: 5, cursor: 'c5' }], failed: 0 });
    ledger.finish(0, 'c0');
    ledger.finish(1, 'c1');
    expect(ledger.watermark).toBe(4);
    expect(ledger.lastCursor).toBe('c3');
    expect(ledger.isFinished(4)).toBe(false);
    expect(ledger.isFinished(5)).toBe(true);
  });

  it('ignores a duplicate completion, counting a failure once', () => {
    const ledger = new Ledger();
    expect(ledger.finish(3, undefined, true)).toBe(true);
    expect(ledger.finish(3, undefined, true)).toBe(false);
    expect(ledger.failed).toBe(1);
    expect(ledger.finished).toBe(1);
  });

  it('finishes a whole range at once, merging with its neighbours and keeping existing cursors', () => {
    const ledger = new Ledger();
    ledger.finish(10, 'c10');
    ledger.finish(20, 'c20');
    expect(ledger.finishRange(5, 20, 'new20', true)).toBe(14);
    expect(ledger.failed).toBe(14);
    expect(ledger.snapshot().doneAbove).toEqual([{ start: 5, end: 20, cursor: 'c20' }]);
    expect(ledger.finishRange(0, 4, 'c4')).toBe(5);
    expect(ledger.snapshot()).toEqual({ watermark: 21, lastCursor: 'c20', doneAbove: [], failed: 14 });
    expect(ledger.finishRange(0, 20, 'x')).toBe(0);
    expect(ledger.finishRange(18, 22, 'c22')).toBe(2);
    expect(ledger.lastCursor).toBe('c22');
  });

  it('refuses a range that ends before it starts', () => {
    expect(() => new Ledger().finishRange(5, 4)).toThrow(RangeError);
    expect(() => new Ledger().finishRange(-1, 4)).toThrow(RangeError);
  });

  it('tracks any completion order of a permutation like a reference set', () => {
    fc.assert(
      fc.property(permutation, (order) => {
        const ledger = new Ledger();
        const done = new Set<number>();
        for (const seq of order) {
          expect(ledger.finish(seq, cursorOf(seq))).toBe(true);
          done.add(seq);
          expectMatches(ledger, done, 0, order.length);
        }
        expectRoundTrip(ledger, order.length);
        expect(ledger.snapshot()).toEqual({ watermark: order.length, lastCursor: cursorOf(order.length - 1), doneAbove: [], failed: 0 });
      }),
    );
  });

  it('agrees with a reference set under any mix of single, range and duplicate completions', () => {
    const operation = fc.record({
      start: fc.integer({ min: 0, max: 60 }),
      length: fc.integer({ min: 1, max: 8 }),
      failed: fc.boolean(),
      single: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const ledger = new Ledger();
        const done = new Set<number>();
        let failed = 0;
        for (const { start, length, failed: isFailure, single } of operations) {
          const end = single ? start : start + length - 1;
          let added = 0;
          for (let seq = start; seq <= end; seq++) if (!done.has(seq)) added++;
          for (let seq = start; seq <= end; seq++) done.add(seq);
          if (isFailure) failed += added;
          const result = single ? Number(ledger.finish(start, cursorOf(start), isFailure)) : ledger.finishRange(start, end, cursorOf(end), isFailure);
          expect(result).toBe(added);
          expectMatches(ledger, done, failed, 70);
        }
        expectRoundTrip(ledger, 70);
      }),
    );
  });
});

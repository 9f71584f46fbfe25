import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobTable } from '../../../src/master/jobs/job-table.js';
import type { SlaveRecord } from '../../../src/master/dispatch/slave-record.js';
import { slave } from '../../helpers/slave-record.js';

/** The smallest table: 1024 slots. */
const WINDOW = 1024;

/** What the table should say of a held job. */
interface Held {
  owner: SlaveRecord | undefined;
}

type Step = { op: 'pull'; keyed: boolean } | { op: 'send' | 'land' | 'finish'; pick: number; to: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('pull' as const), keyed: fc.boolean() }),
  fc.record({ op: fc.constantFrom('send' as const, 'land' as const, 'finish' as const), pick: fc.nat(), to: fc.nat(1) }),
);

describe('JobTable', () => {
  it('holds what a map of held seqs would, over any sequence of pulls, sends, landings and finishes', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
        const table = new JobTable(WINDOW);
        const slaves = [slave('a'), slave('b')];
        const model = new Map<number, Held>();
        let next = 0;
        for (const s of steps) {
          const held = [...model.keys()];
          const seq = held.length === 0 ? undefined : held[('pick' in s ? s.pick : 0) % held.length]!;
          const entry = seq === undefined ? undefined : model.get(seq)!;
          switch (s.op) {
            case 'pull': {
              // The source pulls only within the window above the lowest unfinished seq.
              if (held.length > 0 && next - Math.min(...held) >= WINDOW) break;
              table.put(next, { n: next }, s.keyed ? `k${next}` : undefined);
              model.set(next++, { owner: undefined });
              break;
            }
            case 'send':
              if (entry === undefined || entry.owner !== undefined) break;
              table.send(seq!, slaves[s.to]!);
              entry.owner = slaves[s.to];
              break;
            case 'land':
              if (entry === undefined) break;
              table.land(seq!);
              entry.owner = undefined;
              break;
            case 'finish':
              if (entry === undefined) break;
              table.release(seq!);
              model.delete(seq!);
              break;
          }
        }
        expect(table.size).toBe(model.size);
        expect(table.inFlight).toBe([...model.values()].filter((h) => h.owner !== undefined).length);
        for (let seq = 0; seq < next; seq++) {
          const h = model.get(seq);
          expect(table.has(seq)).toBe(h !== undefined);
          for (const s of slaves) expect(table.isAt(seq, s)).toBe(h !== undefined && h.owner === s);
          if (h === undefined) continue;
          expect(table.job(seq)).toEqual({ n: seq });
        }
        for (const s of slaves) expect(table.outAt(s).sort((x, y) => x - y)).toEqual([...model].filter(([, h]) => h.owner === s).map(([seq]) => seq));
      }),
    );
  });

  it('tells a seq a whole ring apart from the held seq in its slot', () => {
    const table = new JobTable(WINDOW);
    const a = slave('a');
    table.put(5, 'job', undefined);
    table.send(5, a);
    // A stale or forged seq landing on the same slot is not the job held there.
    expect(table.has(5 + WINDOW)).toBe(false);
    expect(table.isAt(5 + WINDOW, a)).toBe(false);
    table.release(5 + WINDOW);
    expect(table.isAt(5, a)).toBe(true);
    expect(table.size).toBe(1);
  });

  it('refuses to hold two seqs in one slot: the window is wider than the table', () => {
    const table = new JobTable(WINDOW);
    table.put(7, 'job', undefined);
    expect(() => table.put(7 + WINDOW, 'job', undefined)).toThrow(/collides with held seq 7/);
  });

  it('keeps cursors only in cursor mode, and forgets a finished job and its cursor', () => {
    const table = new JobTable(WINDOW);
    table.put(0, 'plain', undefined);
    expect(table.cursor(0)).toBeUndefined();
    table.put(1, 'keyed', { id: 1 });
    expect(table.cursor(1)).toEqual({ id: 1 });
    table.release(1);
    expect(table.cursor(1)).toBeUndefined();
    expect(table.job(1)).toBeUndefined();
  });
});

describe('JobTable sizing', () => {
  it('starts at its initial size and doubles as held seqs spread, keeping every job where it was, up to the window', () => {
    const table = new JobTable(8 * WINDOW, WINDOW);
    const a = slave('a');
    expect(table.capacity).toBe(WINDOW);
    table.put(3, 'three', 'k3');
    table.send(3, a);
    table.put(3 + WINDOW, 'far', undefined);
    expect(table.capacity).toBe(2 * WINDOW);
    expect(table.isAt(3, a)).toBe(true);
    expect(table.job(3)).toBe('three');
    expect(table.cursor(3)).toBe('k3');
    expect(table.job(3 + WINDOW)).toBe('far');
    expect(table.inFlight).toBe(1);
    table.put(3 + 4 * WINDOW, 'farther', undefined);
    expect(table.capacity).toBe(8 * WINDOW);
    expect(table.outAt(a)).toEqual([3]);
    // At the window it no longer grows: such a seq is outside what the source pulls.
    expect(() => table.put(3 + 8 * WINDOW, 'too far', undefined)).toThrow(/collides with held seq 3/);
  });
});

import { describe, expect, it } from 'vitest';
import { whyCursorCannotBeKept } from '../../../src/master/state/cursor-json.js';

/** What a cursor is after the state's JSON: what a resume hands back as `last`. */
const throughJson = (cursor: unknown): unknown => JSON.parse(JSON.stringify([cursor]) ?? 'null')[0];

describe('whyCursorCannotBeKept', () => {
  it('keeps what JSON brings back as it was: strings, finite numbers, booleans, null, arrays and plain objects of them', () => {
    const cursors: unknown[] = ['', 'k-1', 0, -1.5, 2 ** 53, true, false, null, [], [1, 'a', [null]], { id: 7, at: { page: 2, keys: ['a'] } }, Object.assign(Object.create(null), { a: 1 })];
    for (const cursor of cursors) {
      expect(whyCursorCannotBeKept(cursor)).toBeUndefined();
      expect(throughJson(cursor)).toEqual(cursor);
    }
  });

  it.each([
    [Symbol('x'), 'a symbol, which JSON leaves out'],
    [() => 1, 'a function, which JSON leaves out'],
    [undefined, 'undefined, which JSON leaves out (or writes as null in an array)'],
    [{ after: NaN }, 'NaN at .after, which JSON writes as null'],
    [[1, -Infinity], '-Infinity at [1], which JSON writes as null'],
    [[1, , 3], 'undefined at [1], which JSON leaves out (or writes as null in an array)'], // eslint-disable-line no-sparse-arrays
    [{ a: { b: undefined } }, 'undefined at .a.b, which JSON leaves out (or writes as null in an array)'],
    [10n, 'a bigint, which JSON cannot write (use its string)'],
    [new Date(0), 'an instance of Date, which JSON does not bring back as it was'],
    [{ keys: new Map([['a', 1]]) }, 'an instance of Map at .keys, which JSON does not bring back as it was'],
  ])('refuses %o: %s', (cursor, says) => {
    expect(whyCursorCannotBeKept(cursor)).toBe(says);
    if (typeof cursor !== 'bigint') expect(throughJson(cursor)).not.toStrictEqual(cursor);
  });

  it('refuses a cursor that refers to itself, and one past any depth, naming where', () => {
    const loop: Record<string, unknown> = {};
    loop.again = [loop];
    expect(whyCursorCannotBeKept({ loop })).toBe('a reference to itself at .loop.again[0], which JSON cannot encode');
    let deep: unknown = Symbol('deep');
    for (let i = 0; i < 150; i++) deep = [deep];
    expect(whyCursorCannotBeKept(deep)).toBe('a symbol at [0][0][0][0][0][0][0][0]…, which JSON leaves out');
  });
});

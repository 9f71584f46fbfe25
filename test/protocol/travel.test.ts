import { describe, expect, it } from 'vitest';
import { pack, unpack } from '../../src/protocol/codec.js';
import { whyCannotTravel } from '../../src/protocol/travel.js';
import { MAX_DEPTH } from '../../src/protocol/value-walk.js';

/** `value` under `levels` objects, each `{ next }`. */
function nest(value: unknown, levels: number): unknown {
  let nested = value;
  for (let i = 0; i < levels; i++) nested = { next: nested };
  return nested;
}

class Account {
  balance = 1;
  deposit(): void {}
}

describe('whyCannotTravel', () => {
  it('lets through everything msgpack carries unchanged', () => {
    const values: unknown[] = [0, -1.5, NaN, 'a', true, null, undefined, 10n, new Date(0), /re/g, Buffer.from('x'), new Uint8Array(3), new Float64Array(2), new Error('e'), [1, [2, { a: 'b' }]], { a: { b: [new Map([['k', new Set([1])]])] } }, Object.create(null)];
    for (const value of values) {
      expect(whyCannotTravel(value)).toBeUndefined();
      expect(() => unpack(pack(value))).not.toThrow();
    }
  });

  it('refuses a function, anywhere, naming where: msgpack would drop it in silence', () => {
    expect(unpack(pack({ save: () => 1 }))).toEqual({ save: undefined });
    expect(whyCannotTravel(() => 1)).toBe('a function, which would arrive as undefined');
    expect(whyCannotTravel({ user: { save: () => 1 } })).toBe('a function at .user.save, which would arrive as undefined');
    expect(whyCannotTravel([1, [2, () => 3]])).toBe('a function at [1][1], which would arrive as undefined');
    expect(whyCannotTravel(new Map([['k', { f() {} }]]))).toBe('a function at .get("k").f, which would arrive as undefined');
  });

  it('refuses a class instance: it would arrive as a plain object without its methods', () => {
    expect(unpack(pack(new Account()))).toEqual({ balance: 1 });
    expect(whyCannotTravel({ owner: new Account() })).toBe('an instance of Account at .owner, which would arrive as a plain object without its methods');
  });

  it('refuses a symbol, which msgpack cannot encode at all', () => {
    expect(() => pack({ s: Symbol('x') })).toThrow(/Unknown type: symbol/);
    expect(whyCannotTravel({ s: Symbol('x') })).toBe('a symbol at .s, which msgpack cannot encode');
  });

  it('refuses a value that refers to itself, which msgpack would recurse into for ever', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(whyCannotTravel(loop)).toBe('a reference to itself at .self, which msgpack cannot encode');
  });

  it('looks at any depth: a function, a symbol or a class instance far below the top is refused, naming the start of its path', () => {
    expect(whyCannotTravel(nest(() => 1, 150))).toBe('a function at .next.next.next.next.next.next.next.next…, which would arrive as undefined');
    expect(whyCannotTravel(nest([1, Symbol('deep')], 300))).toMatch(/^a symbol at \.next.*…, which msgpack cannot encode$/);
    expect(whyCannotTravel(nest(new Map([['k', new Set([new Account()])]]), 120))).toMatch(/^an instance of Account at \.next.*…, which would arrive/);
    for (const depth of [31, 32, 33, 99, 100, 101, 499]) expect(whyCannotTravel(nest(() => 1, depth)), `a function ${depth} levels down`).toMatch(/^a function at /);
  });

  it('finds a cycle at any depth and of any length, through objects, arrays, Maps and Sets', () => {
    const ring: Array<Record<string, unknown>> = Array.from({ length: 150 }, () => ({}));
    ring.forEach((link, i) => (link.next = ring[(i + 1) % ring.length]));
    expect(whyCannotTravel({ ring: ring[0] })).toMatch(/^a reference to itself at \.ring\.next.*…, which msgpack cannot encode$/);
    const set = new Set<unknown>();
    set.add(new Map([['back', set]]));
    expect(whyCannotTravel(nest(set, 200))).toMatch(/^a reference to itself at .*, which msgpack cannot encode$/);
    const shared = { leaf: 1 };
    expect(whyCannotTravel(nest([shared, shared, { again: shared }], 40)), 'a value met twice, not inside itself, is no cycle').toBeUndefined();
  });

  it(`refuses a value nested deeper than ${MAX_DEPTH} levels, which msgpack's recursion cannot be trusted with; up to it, msgpack carries it`, () => {
    expect(whyCannotTravel(nest('leaf', MAX_DEPTH))).toBeUndefined();
    expect(whyCannotTravel(nest('leaf', MAX_DEPTH + 1))).toMatch(new RegExp(`^a value nested deeper than ${MAX_DEPTH} levels at \\.next.*…, past what msgpack can be trusted with`));
    let sets: unknown = 'leaf';
    for (let i = 0; i < MAX_DEPTH; i++) sets = new Set([sets]);
    expect(whyCannotTravel(sets)).toBeUndefined();
    expect(() => unpack(pack(sets))).not.toThrow();
  });

  it('lets through a value nested deep but without a cycle', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 300; i++) deep = { next: deep };
    expect(whyCannotTravel(deep)).toBeUndefined();
  });
});

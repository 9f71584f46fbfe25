import { describe, expect, it } from 'vitest';
import { pack, unpack } from '../../src/protocol/codec.js';
import { whyCannotTravel } from '../../src/protocol/travel.js';

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
    expect(whyCannotTravel(loop)).toMatch(/^a reference to itself at \.self\.self.*…, which msgpack cannot encode$/);
  });

  it('lets through a value nested deep but without a cycle', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 300; i++) deep = { next: deep };
    expect(whyCannotTravel(deep)).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../src/common/line-buffer.js';

/** What `write` puts in a LineBuffer, as text, once flushed. */
function written(write: (lines: LineBuffer) => void, chunk = 1 << 16): string {
  const chunks: string[] = [];
  const lines = new LineBuffer(chunk, (buffer, length) => chunks.push(buffer.toString('latin1', 0, length)));
  write(lines);
  lines.flush();
  return chunks.join('');
}

describe('LineBuffer', () => {
  it('writes integers as JSON does, up to 2^53', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (n) => written((lines) => lines.int(n)) === String(n)));
    expect(written((lines) => lines.int(1_764_000_000_123))).toBe('1764000000123');
    expect(written((lines) => lines.int(1_000_000_000))).toBe('1000000000');
    expect(written((lines) => lines.int(0))).toBe('0');
  });

  it('writes milliseconds with three decimals', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (x) => Number(written((lines) => lines.fixed3(x))) === Math.round(x * 1000) / 1000));
    expect(written((lines) => lines.fixed3(0.0125))).toBe('0.013');
    expect(written((lines) => lines.fixed3(2))).toBe('2.000');
  });

  it('writes what is not a number >= 0 as null, so a line stays JSON', () => {
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(written((lines) => lines.int(bad))).toBe('null');
      expect(written((lines) => lines.fixed3(bad))).toBe('null');
    }
  });

  it('hands over whole lines a chunk at a time, and reuses the buffers given back', () => {
    const sizes: number[] = [];
    const seen = new Set<Buffer>();
    const lines: LineBuffer = new LineBuffer(100, (buffer, length) => {
      sizes.push(length);
      seen.add(buffer);
      lines.reuse(buffer);
    });
    for (let i = 0; i < 100; i++) {
      lines.ascii('{"n":');
      lines.int(i);
      lines.ascii('}');
      lines.endLine();
    }
    lines.flush();
    expect(sizes.every((size) => size >= 100 || size === sizes.at(-1))).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(written((l) => { for (let i = 0; i < 100; i++) { l.ascii('{"n":'); l.int(i); l.ascii('}'); l.endLine(); } }).length); // prettier-ignore
    expect(seen.size).toBeLessThanOrEqual(2);
  });

  it('makes room for bytes longer than a line may be', () => {
    const long = Buffer.from('x'.repeat(10_000));
    expect(written((lines) => lines.bytes(long), 100)).toBe(long.toString());
  });
});

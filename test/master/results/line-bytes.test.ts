import { describe, expect, it } from 'vitest';
import { LineBytes } from '../../../src/master/results/line-bytes.js';

describe('LineBytes', () => {
  it('writes text as UTF-8, integers in decimal, slices of bytes and single bytes, and starts over after take', () => {
    const lines = new LineBytes();
    lines.text('{"seq":');
    lines.int(0);
    lines.text(',"n":');
    lines.int(9_007_199_254_740_991);
    lines.text(',"t":"é—😀",');
    lines.slice(Buffer.from('xx"sliced"yy'), 2, 10);
    lines.byte(0x7d);
    lines.byte(0x0a);
    expect(lines.take().toString()).toBe('{"seq":0,"n":9007199254740991,"t":"é—😀","sliced"}\n');
    expect(lines.length).toBe(0);
    lines.int(1234567890);
    expect(lines.take().toString()).toBe('1234567890');
  });

  it('grows past its first buffer without losing what it holds', () => {
    const lines = new LineBytes();
    const long = Buffer.from('ab'.repeat(50_000));
    lines.text('é');
    lines.slice(long, 0, long.length);
    lines.slice(Buffer.from('<short>'), 1, 6);
    lines.text('ü'.repeat(30_000));
    expect(lines.take().toString()).toBe(`é${'ab'.repeat(50_000)}short${'ü'.repeat(30_000)}`);
  });
});

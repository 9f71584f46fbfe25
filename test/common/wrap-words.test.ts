import { describe, expect, it } from 'vitest';
import { wrapWords } from '../../src/common/wrap-words.js';

describe('wrapWords', () => {
  const line = '[master] listening on tcp://127.0.0.1:46237; state /tmp/qs/squares/.taskmaster/squares-getJobs-4f53cda1.state.json\n';

  it('breaks a line wider than the terminal between words, the path whole on the next row, indented', () => {
    expect(wrapWords(line, 100)).toBe('[master] listening on tcp://127.0.0.1:46237; state\n  /tmp/qs/squares/.taskmaster/squares-getJobs-4f53cda1.state.json\n');
    for (const row of wrapWords(line, 40).split('\n')) expect(row.length).toBeLessThanOrEqual(40);
  });

  it('leaves lines that fit as they are, and cuts only a word wider than the terminal', () => {
    expect(wrapWords('short line\n', 80)).toBe('short line\n');
    expect(wrapWords(`x ${'y'.repeat(30)}`, 20)).toBe(`x\n  ${'y'.repeat(18)}\n  ${'y'.repeat(12)}`);
  });
});

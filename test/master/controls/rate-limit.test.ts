import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRate, TokenBucket } from '../../../src/master/controls/rate-limit.js';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { useTestDir } from '../../helpers/test-dir.js';

describe('parseRate', () => {
  it('reads N/s and N/min as jobs a second', () => {
    expect(parseRate('500/s')).toBe(500);
    expect(parseRate('0.5/s')).toBe(0.5);
    expect(parseRate('30/min')).toBe(0.5);
  });

  it.each(['abc', '500', '0/s', '5/h', '-1/s', '/s', '1e3/s'])('refuses `%s`, naming the flag and the value', (text) => {
    expect(() => parseRate(text)).toThrow(`Expected \`--rate\` to be N/s or N/min (N > 0), got \`${text}\``);
  });
});

describe('TokenBucket', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  /** A bucket on the fake clock, counting the calls that say tokens are due. */
  function bucket(perSecond: number): { bucket: TokenBucket; refills: () => number } {
    let calls = 0;
    const b = new TokenBucket({ perSecond, onRefill: () => calls++, now: () => Date.now() });
    return { bucket: b, refills: () => calls };
  }

  it('starts with one token when first drawn from, however long it waited, and refills at the rate', () => {
    const { bucket: b } = bucket(100);
    vi.advanceTimersByTime(10_000);
    expect(b.allowance()).toBe(1);
    b.spend(1);
    expect(b.allowance()).toBe(0);
    vi.advanceTimersByTime(30);
    expect(b.allowance()).toBe(3);
  });

  it('holds at most a burst of 1/20 s worth, and at least one token', () => {
    const { bucket: fast } = bucket(1000);
    expect(fast.capacity).toBe(50);
    fast.allowance();
    vi.advanceTimersByTime(5000);
    expect(fast.allowance()).toBe(50);
    const { bucket: slow } = bucket(1 / 60);
    expect(slow.capacity).toBe(1);
  });

  it('calls onRefill once when dispatch found no token, as the next one is due', () => {
    const { bucket: b, refills } = bucket(10);
    b.allowance();
    b.spend(1);
    expect(b.allowance()).toBe(0);
    expect(b.allowance()).toBe(0);
    vi.advanceTimersByTime(99);
    expect(refills()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(refills()).toBe(1);
    expect(b.allowance()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(refills()).toBe(1);
  });

  it('dispatches at most rate × T + its burst over any window while a run always wants more', () => {
    const perSecond = 200;
    const { bucket: b } = bucket(perSecond);
    const sent: number[] = [];
    // Dispatch draws whatever is there every few ms, and whenever the bucket says tokens are due.
    for (let ms = 0; ms < 5000; ms += 3) {
      const n = b.allowance();
      b.spend(n);
      for (let i = 0; i < n; i++) sent.push(Date.now());
      vi.advanceTimersByTime(3);
    }
    expect(maxInWindow(sent, 1000)).toBeLessThanOrEqual(perSecond + b.capacity);
    expect(sent.length).toBeGreaterThanOrEqual(perSecond * 5 - b.capacity);
    expect(sent.length).toBeLessThanOrEqual(perSecond * 5 + 1);
  });

  it('calls nothing after close', () => {
    const { bucket: b, refills } = bucket(10);
    b.allowance();
    b.spend(1);
    b.allowance();
    b.close();
    vi.advanceTimersByTime(1000);
    expect(refills()).toBe(0);
  });
});

/** The most timestamps (sorted, ms) in any half-open window `[t, t + ms)`. */
function maxInWindow(sorted: readonly number[], ms: number): number {
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + ms) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

const dir = useTestDir();

describe('--rate through tm-run', () => {
  it('spreads the jobs of three slaves over the time the rate needs, however loaded the machine', async () => {
    const rate = 100;
    const jobs = 300;
    const stamps = join(dir.path, 'stamps.txt');
    const run = runBin('tm-run', [join(FIXTURES, 'stamps.ts'), '3', `n=${jobs}`, '--rate', `${rate}/s`, '--threads', '1', '--no-progress', '--state', join(dir.path, 'run.state.json')], {
      cwd: dir.path,
      env: { TM_STAMPS: stamps },
    });
    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    const starts = readFileSync(stamps, 'utf8')
      .trim()
      .split('\n')
      .map((line) => Number(line.split(' ')[1]))
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(jobs);
    // The bucket starts with one token and refills at the rate, so dispatching every job takes at
    // least (jobs - 1) / rate seconds. A busy machine can only delay starts, and can shorten their
    // span only by delaying the first ones: half that span is a bound no load breaks and an
    // unlimited run (300 no-op jobs in a few ms) cannot meet. The per-window cap is the fake-timer
    // test's above, where time is exact.
    const neededMs = ((jobs - 1) / rate) * 1000;
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThan(neededMs / 2);
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, DurationHistogram } from '../../../src/master/observe/duration-histogram.js';

describe('DurationHistogram', () => {
  it('counts every job of a report in the bucket of its mean, with an exact sum and count', () => {
    const histogram = new DurationHistogram();
    histogram.observe(4, 4000); // 1 µs a job
    histogram.observe(700, 1); // 0.7 s
    histogram.observe(0.01 * 1000, 1); // exactly 10 ms: le="0.01" holds it
    const cumulative = new Map(histogram.cumulative());
    expect(cumulative.get(0.0001)).toBe(4000);
    expect(cumulative.get(0.005)).toBe(4000);
    expect(cumulative.get(0.01)).toBe(4001);
    expect(cumulative.get(0.5)).toBe(4001);
    expect(cumulative.get(1)).toBe(4002);
    expect(cumulative.get(Infinity)).toBe(4002);
    expect(histogram.count).toBe(4002);
    expect(histogram.sumSeconds).toBeCloseTo(0.714, 9);
  });

  it('puts what is slower than the last bound in +Inf only, and ignores empty reports', () => {
    const histogram = new DurationHistogram();
    histogram.observe(1_000_000, 1);
    histogram.observe(5, 0);
    const cumulative = histogram.cumulative();
    expect(cumulative).toHaveLength(DURATION_BUCKETS.length + 1);
    expect(cumulative.at(-2)).toEqual([300, 0]);
    expect(cumulative.at(-1)).toEqual([Infinity, 1]);
    expect(histogram.count).toBe(1);
  });
});

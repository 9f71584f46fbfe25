import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, RetryQueue } from '../../../src/master/jobs/retry-queue.js';

describe('backoffMs', () => {
  it('doubles with each attempt from the base, half of it jitter, capped at 30 s', () => {
    expect(backoffMs(1, 1000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, () => 1)).toBe(4000);
    expect(backoffMs(3, 1000, () => 0.5)).toBe(3000);
    expect(backoffMs(20, 1000, () => 1)).toBe(30_000);
  });
});

describe('RetryQueue', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  /** A queue of `retries` retries, base backoff 1000 ms, no jitter (random 1: the full backoff). */
  function queue(retries = 2): { queue: RetryQueue; ready: () => number } {
    let calls = 0;
    const q = new RetryQueue({ retries, backoffMs: 1000, random: () => 1, onReady: () => calls++ });
    return { queue: q, ready: () => calls };
  }

  it('holds a failed job for its backoff, then has it ready and says so once', () => {
    const { queue: q, ready } = queue();
    expect(q.fail(7, 'a')).toEqual({ attempts: 1, retry: true });
    expect(q.size).toBe(1);
    expect(q.ready).toBe(0);
    vi.advanceTimersByTime(999);
    expect(q.ready).toBe(0);
    expect(ready()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.ready).toBe(1);
    expect(ready()).toBe(1);
    expect(q.take(10, 'b', false)).toEqual([7]);
    expect(q.size).toBe(0);
  });

  it('counts attempts per job and says to dead-letter once the retries are spent', () => {
    const { queue: q } = queue(2);
    expect(q.fail(3, 'a').attempts).toBe(1);
    expect(q.fail(3, 'a')).toEqual({ attempts: 2, retry: true });
    expect(q.fail(3, 'a')).toEqual({ attempts: 3, retry: false });
    expect(q.attempt(3)).toBe(3);
    expect(q.anyRetried).toBe(true);
    q.settle(3);
    expect(q.attempt(3)).toBe(0);
    expect(q.anyRetried).toBe(false);
  });

  it('backs off longer for a later attempt: the second retry waits twice the first', () => {
    const { queue: q } = queue(3);
    q.fail(1, 'a');
    vi.advanceTimersByTime(1000);
    expect(q.take(1, 'b', false)).toEqual([1]);
    q.fail(1, 'b');
    vi.advanceTimersByTime(1999);
    expect(q.ready).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.take(1, 'a', false)).toEqual([1]);
  });

  it('keeps a ready retry from the slave it failed on, unless that slave is alone', () => {
    const { queue: q } = queue();
    q.fail(1, 'a');
    q.fail(2, 'b');
    vi.advanceTimersByTime(1000);
    expect(q.take(10, 'a', false)).toEqual([2]);
    expect(q.take(10, 'a', false)).toEqual([]);
    expect(q.take(10, 'a', true)).toEqual([1]);
  });

  it('takes no more than asked, leaving the rest ready in order', () => {
    const { queue: q } = queue();
    for (const seq of [4, 5, 6]) q.fail(seq, 'a');
    vi.advanceTimersByTime(1000);
    expect(q.take(2, 'b', false)).toEqual([4, 5]);
    expect(q.take(2, 'b', false)).toEqual([6]);
  });

  it('drops every retry on abandon, and no timer fires after it', () => {
    const { queue: q, ready } = queue();
    q.fail(1, 'a');
    q.abandon();
    expect(q.size).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(ready()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

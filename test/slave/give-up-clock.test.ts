import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GiveUpClock } from '../../src/slave/give-up-clock.js';

describe('GiveUpClock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('gives up once, when no master has come for its bound', () => {
    const gaveUp = vi.fn();
    const clock = new GiveUpClock(5000, gaveUp);
    clock.lost();
    vi.advanceTimersByTime(4999);
    expect(gaveUp).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(gaveUp).toHaveBeenCalledExactlyOnceWith(5000);
    clock.lost();
    vi.advanceTimersByTime(10_000);
    expect(gaveUp).toHaveBeenCalledOnce();
  });

  it('starts afresh after a master came, and a drop while waiting does not restart it', () => {
    const gaveUp = vi.fn();
    const clock = new GiveUpClock(5000, gaveUp);
    clock.lost();
    vi.advanceTimersByTime(4000);
    clock.found();
    vi.advanceTimersByTime(4000);
    clock.lost();
    vi.advanceTimersByTime(3000);
    clock.lost();
    vi.advanceTimersByTime(1999);
    expect(gaveUp).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(gaveUp).toHaveBeenCalledOnce();
  });

  it('never gives up with a bound of 0, nor once closed', () => {
    const off = vi.fn();
    new GiveUpClock(0, off).lost();
    const closed = vi.fn();
    const clock = new GiveUpClock(100, closed);
    clock.lost();
    clock.close();
    clock.lost();
    vi.advanceTimersByTime(1_000_000);
    expect(off).not.toHaveBeenCalled();
    expect(closed).not.toHaveBeenCalled();
  });
});

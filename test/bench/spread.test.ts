import { describe, expect, it } from 'vitest';
import { spread } from '../../bench/lib/spread.js';

describe('spread of jobs per slave', () => {
  it('is min, median, max and the coefficient of variation, whatever the order', () => {
    expect(spread([30, 10, 20, 40])).toEqual({ min: 10, median: 25, max: 40, cv: Math.sqrt(125) / 25 });
    expect(spread([5, 1, 3])).toMatchObject({ min: 1, median: 3, max: 5 });
  });

  it('has a cv of 0 when every slave ran as many jobs, or none ran any', () => {
    expect(spread([7, 7, 7]).cv).toBe(0);
    expect(spread([0, 0]).cv).toBe(0);
  });

  it('refuses no slaves', () => {
    expect(() => spread([])).toThrow('the spread of no slaves');
  });
});

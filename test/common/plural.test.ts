import { describe, expect, it } from 'vitest';
import { plural } from '../../src/common/plural.js';

describe('plural', () => {
  it('agrees with its count: one is singular, every other count plural', () => {
    expect([0, 1, 2].map((n) => plural(n, 'attempt'))).toEqual(['0 attempts', '1 attempt', '2 attempts']);
    expect(plural(1, 'in-flight job')).toBe('1 in-flight job');
    expect(plural(3, 'child', 'children')).toBe('3 children');
  });
});

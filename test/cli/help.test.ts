import { describe, expect, it } from 'vitest';
import { nearestFlag, withSuggestions } from '../../src/cli/did-you-mean.js';
import { runBin } from '../helpers/processes.js';

const BINS = ['tm-master', 'tm-slave', 'tm-spawn', 'tm-run', 'tm-status', 'tm-keygen'] as const;

describe('--help', () => {
  // Through a pipe, so at the bins' fixed width (100 columns), whatever terminal runs the tests.
  it.each(BINS)('%s: usage, flags, examples and exit codes', async (bin) => {
    const help = runBin(bin, ['--help']);
    expect(await help.exited, help.stderr).toEqual({ code: 0, signal: null });
    expect(help.stderr).toBe('');
    await expect(help.stdout).toMatchFileSnapshot(`./__snapshots__/${bin}.help.txt`);
  });
});

describe('did you mean', () => {
  const known = ['address', 'size', 'state', 'max-credit', 'threads', 'help', 'version'];

  it.each([
    ['szie', 'size'],
    ['sizes', 'size'],
    ['adress', 'address'],
    ['max-credti', 'max-credit'],
    ['Threads', 'threads'],
  ])('--%s: did you mean --%s?', (typed, flag) => {
    expect(nearestFlag(typed, known)).toBe(flag);
  });

  it.each(['frobnicate', 'x', 'z'])('suggests nothing for --%s, far from every flag', (typed) => {
    expect(nearestFlag(typed, known)).toBeUndefined();
  });

  it('names each unknown flag once, and appends the suggestions', () => {
    expect(withSuggestions('Unknown arguments: max-credti, maxCredti', known)).toBe('Unknown argument: max-credti; did you mean --max-credit?');
    expect(withSuggestions('Unknown arguments: szie, frobnicate', known)).toBe('Unknown arguments: szie, frobnicate; did you mean --size?');
    expect(withSuggestions('Unknown argument: frobnicate', known)).toBe('Unknown argument: frobnicate');
    expect(withSuggestions('Not enough non-option arguments', known)).toBe('Not enough non-option arguments');
  });
});

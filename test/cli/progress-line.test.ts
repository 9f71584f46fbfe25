import { describe, expect, it } from 'vitest';
import { formatSeconds, progressLine } from '../../src/cli/progress-line.js';
import type { ProgressSnapshot } from '../../src/master/observe/progress.js';

/** A run 42% of the way through 300,000 jobs. */
const RUN: ProgressSnapshot = {
  finished: 126_000,
  total: 300_000,
  failed: 0,
  inFlight: 2000,
  buffered: 10_000,
  size: 10_000,
  slaves: 4,
  retrying: 0,
  rate: 52_341.4,
  etaSeconds: 3.3,
  elapsedMs: 2400,
};

const FIELDS = ['42%', '126000/300000', '52341/s', 'eta 4s', 'buffer 10000/10000', 'in flight 2000', 'failed 0', 'slaves 4'];

/** The fields of a line, the bar left out. */
function fieldsOf(line: string): string[] {
  return line
    .replace(/^\[[=-]+\] +/, '')
    .split(' | ')
    .filter((field) => field !== '');
}

describe('progressLine', () => {
  it.each([
    [40, '42% | 126000/300000 | eta 4s | failed 0'],
    [80, '[======----------]  42% | 126000/300000 | 52341/s | eta 4s | failed 0 | slaves 4'],
    [100, '[=======------------]  42% | 126000/300000 | 52341/s | eta 4s | in flight 2000 | failed 0 | slaves 4'],
    [160, '[================------------------------]  42% | 126000/300000 | 52341/s | eta 4s | buffer 10000/10000 | in flight 2000 | failed 0 | slaves 4'],
  ])('fits %i columns by dropping whole fields, least important first', (width, expected) => {
    const line = progressLine(RUN, width);
    expect(line).toBe(expected);
    expect(line.length).toBeLessThanOrEqual(width);
    // Every field shown is shown whole: none is cut mid-word.
    for (const field of fieldsOf(line)) expect(FIELDS).toContain(field);
  });

  it('keeps the percentage, the ETA, then the counts, as the width shrinks', () => {
    expect(progressLine(RUN, 3)).toBe('42%');
    expect(progressLine(RUN, 12)).toBe('42% | eta 4s');
    expect(progressLine(RUN, 28)).toBe('42% | 126000/300000 | eta 4s');
    expect(progressLine(RUN, 2)).toBe('');
  });

  it('stretches the bar into the room left, up to 40 columns', () => {
    const widths = [80, 90, 100, 160, 300].map((width) => /^\[([=-]+)\]/.exec(progressLine(RUN, width))?.[1]?.length);
    expect(widths).toEqual([16, 26, 19, 40, 40]);
  });

  it('shows a bar, a percentage and an ETA from the source’s own measure when the job count is unknown', () => {
    const line = progressLine({ ...RUN, total: undefined, fraction: 0.42 }, 80);
    expect(line).toBe('[=======-----------]  42% | 126000 done | 52341/s | eta 4s | failed 0 | slaves 4');
    expect(progressLine({ ...RUN, total: undefined }, 80)).toBe('126000 done | 52341/s | in flight 2000 | failed 0 | slaves 4');
  });

  it('says eta -- until there is a rate, never a cut-off INF', () => {
    const line = progressLine({ ...RUN, finished: 0, rate: 0, etaSeconds: undefined }, 97);
    expect(line).toBe('[--------------------]   0% |      0/300000 | 0/s | eta -- | in flight 2000 | failed 0 | slaves 4');
    expect(progressLine({ ...RUN, etaSeconds: Number.POSITIVE_INFINITY }, 40)).toContain('eta --');
  });

  it('shows 100% and a full bar only once every job has finished', () => {
    expect(progressLine({ ...RUN, finished: 299_999 }, 100)).toMatch(/^\[=+-\] {2}99% \| 299999\/300000 /);
    expect(progressLine({ ...RUN, finished: 300_000, inFlight: 0, rate: 0, etaSeconds: undefined }, 97)).toBe(
      '[=======================] 100% | 300000/300000 | 0/s | eta 0s | in flight 0 | failed 0 | slaves 4',
    );
  });

  it('shows a count instead of a bar while the total is unknown', () => {
    expect(progressLine({ ...RUN, total: undefined, etaSeconds: undefined }, 100)).toBe('126000 done | 52341/s | buffer 10000/10000 | in flight 2000 | failed 0 | slaves 4');
  });

  it('shows retrying only while some jobs are', () => {
    expect(progressLine({ ...RUN, retrying: 12, failed: 3 }, 160)).toContain('| in flight 2000 | retrying 12 | failed 3 |');
    expect(progressLine(RUN, 160)).not.toContain('retrying');
  });
});

describe('formatSeconds', () => {
  it('rounds up and carries into minutes and hours', () => {
    expect([0.2, 59.5, 60, 119.5, 3599.5, 7500].map(formatSeconds)).toEqual(['1s', '1m00s', '1m00s', '2m00s', '1h00m', '2h05m']);
  });
});

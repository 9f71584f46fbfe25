/** Reading what --results and --channels wrote, and what a mixed run of test/fixtures/outputs.ts must have written. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parsed lines of a JSONL file (none when it is missing); a line that does not parse fails the test. */
export function readJsonl(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (text !== '' && !text.endsWith('\n')) throw new Error(`${path} ends in a torn line`);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (error) {
        throw new Error(`${path} line ${i + 1} is not JSON: ${line.slice(0, 200)}`, { cause: error });
      }
    });
}

/** `[from, to)` as numbers. */
function seqs(n: number, keep: (i: number) => boolean): number[] {
  return Array.from({ length: n }, (_, i) => i).filter(keep);
}

/** What a finished mixed run of `n` jobs wrote, sorted, beside what it must have written. */
export function mixedOutputs(results: string, channels: string, n: number) {
  const lines = readJsonl(results) as Array<{ seq: number; job: number; result: { i: number; square: number } }>;
  const sort = (values: number[]): number[] => values.sort((a, b) => a - b);
  return {
    actual: {
      results: sort(lines.map((line) => line.seq)),
      wellFormed: lines.every(({ seq, job, result }) => job === seq && result.i === seq && result.square === seq * seq),
      threes: sort(readJsonl(join(channels, 'threes.jsonl')) as number[]),
      evens: sort((readJsonl(join(channels, 'evens.jsonl')) as Array<{ i: number }>).map((item) => item.i)),
    },
    expected: {
      results: seqs(n, (i) => i % 3 === 1),
      wellFormed: true,
      threes: seqs(n, (i) => i % 3 === 0),
      evens: seqs(n, (i) => i % 6 === 0),
    },
  };
}

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { readJsonl } from '../../helpers/outputs.js';
import { useTestDir } from '../../helpers/test-dir.js';

const TEXT_RESULTS = join(FIXTURES, 'text-results.ts');
const dir = useTestDir();
const N = 2000;

/** The results lines a run of text-results.ts should write, by seq (its jobs are 0 … N-1, seq = job). */
function expectedLines(channels: boolean): unknown[] {
  const lines: unknown[] = [];
  for (let i = 0; i < N; i++) {
    if (i % 4 === 2) lines.push({ seq: i, job: i, result: { i, text: `é—😀 ${i}`, quote: '"\\' } });
    if (i % 4 === 3 && !channels) lines.push({ seq: i, job: i, result: { i } });
  }
  return lines;
}

const bySeq = (lines: unknown[]): unknown[] => [...lines].sort((a, b) => (a as { seq: number }).seq - (b as { seq: number }).seq);

describe('results made as JSON text in the slaves (no handleResult)', () => {
  it.each([
    ['alone', false],
    ['beside channel output', true],
  ])('are written %s: a line for each job that returned a value, none for failures or undefined', async (_title, channels) => {
    const results = join(dir.path, 'results.jsonl');
    const args = [TEXT_RESULTS, '2', `n=${N}`, '--state', join(dir.path, 'state.json'), '--no-progress', '--retries', '0', '--results', results, ...(channels ? ['--channels', join(dir.path, 'channels')] : [])];
    const proc = runBin('tm-run', args, { cwd: dir.path, env: channels ? { TM_CHANNELS: '1' } : {} });
    const { code } = await proc.exited;
    // Jobs i%4 == 0 are dead-lettered: the run ends with failures.
    expect(code, proc.stderr).toBe(1);
    expect(bySeq(readJsonl(results))).toEqual(expectedLines(channels));
    if (channels) expect(readJsonl(join(dir.path, 'channels', 'c.jsonl')).length).toBe(N / 4);
  }, 60_000);
});

/** The test helper that runs the bins: what it says a process printed must be all it printed. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from './helpers/processes.js';
import { useTestDir } from './helpers/test-dir.js';

const dir = useTestDir();

describe('runBin', () => {
  it('resolves `exited` with the exit code once stdout and stderr are drained: every line written to them is there', async () => {
    const lines = 100_000;
    const expected = Array.from({ length: lines }, (_, i) => `line ${i}\n`).join('');
    const proc = runBin('tm-master', [join(FIXTURES, 'loud.mjs'), '--state', join(dir.path, 'loud.state.json')], { cwd: dir.path, env: { TM_LOUD_LINES: String(lines) } });
    expect(await proc.exited).toEqual({ code: 3, signal: null });
    // Its own lines, and the line a process it started wrote to the same pipe after it was gone.
    expect(proc.stdout).toBe(`${expected}late line\n`);
    expect(proc.stderr.endsWith(expected)).toBe(true);
  });
});

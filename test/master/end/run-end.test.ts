/**
 * The run's end, as the bins show it: a generator that fails at the worst moment, and a batch
 * that cannot be packed, each end the run failed (exit 1, the reason said once, the state not
 * finished), never as a finished run (issue 18, findings 1 and 5).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { readStateFields, recordedLedger } from '../../helpers/state.js';
import { useTestDir } from '../../helpers/test-dir.js';

const dir = useTestDir();
const FAILS_LATE = join(FIXTURES, 'fails-late.ts');

/** How many times `line` stands in `text`. */
function count(text: string, line: string): number {
  return text.split(line).length - 1;
}

describe('the run’s end', () => {
  it.each([1, 2, 3, 4, 5])('a generator that throws while its last results are recorded fails the run, its jobs recorded done (try %i)', async () => {
    const state = join(dir.path, 'late.state.json');
    const run = runBin('tm-run', [FAILS_LATE, '1', 'n=3', '--threads', '1', '--state', state, '--no-progress'], { cwd: dir.path });
    const exit = await run.exited;
    const output = run.stdout + run.stderr;
    expect(exit, output).toEqual({ code: 1, signal: null });
    expect(count(output, 'getJobs failed at seq 3: the source went away'), output).toBe(1);
    expect(output).not.toMatch(/^tm-run: finished/m);
    expect(output).toMatch(/^tm-run: failed: 3 jobs done/m);
    expect(readStateFields(state).finished).toBe(false);
    // Its jobs are done all the same: a rerun skips them.
    expect(recordedLedger(state).watermark).toBe(3);
  });

  it('a job that throws as it is packed into a batch fails the run with one line, from whichever path dispatched it', async () => {
    const state = join(dir.path, 'getter.state.json');
    const run = runBin('tm-run', [FAILS_LATE, '1', 'n=20', 'how=getter', 'at=5', '--threads', '1', '--state', state, '--no-progress'], { cwd: dir.path });
    const exit = await run.exited;
    const output = run.stdout + run.stderr;
    expect(exit, output).toEqual({ code: 1, signal: null });
    expect(count(output, 'job 5 changed as it was packed'), output).toBe(1);
    expect(output).not.toMatch(/\n\s+at /); // a failed run, not an uncaught exception's stack
    expect(output).toMatch(/^tm-run: failed:/m);
    expect(readStateFields(state).finished).toBe(false);
    expect(recordedLedger(state).isFinished(5)).toBe(false);
  });
});

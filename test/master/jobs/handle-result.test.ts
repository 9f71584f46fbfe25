/** A `handleResult` that throws fails its own job, never the run (found by the lifecycle search, seed 2799). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { readStateFields, recordedLedger } from '../../helpers/state.js';
import { deadLetterPath } from '../../../src/master/state/dead-letter-record.js';
import { useTestDir } from '../../helpers/test-dir.js';

const dir = useTestDir();

describe('a handleResult that throws synchronously', () => {
  it('fails that job (retried, then dead-lettered) and the run finishes every other one', async () => {
    const state = join(dir.path, 'throws.state.json');
    const run = runBin('tm-run', [join(FIXTURES, 'result-throws.ts'), '1', 'n=10', '--threads', '1', '--retries', '1', '--retry-backoff', '1', '--state', state, '--no-progress'], { cwd: dir.path, env: { TM_THROW_AT: '3' } });
    const exit = await run.exited;
    const output = run.stdout + run.stderr;
    expect(exit, output).toEqual({ code: 1, signal: null });
    expect(output).toMatch(/^tm-run: finished: 9 jobs done, 1 dead-lettered/m);
    const deadLetters = readFileSync(deadLetterPath(state), 'utf8').trim().split('\n');
    expect(deadLetters).toHaveLength(1);
    expect(JSON.parse(deadLetters[0]!)).toMatchObject({ seq: 3, attempts: 2, error: { message: 'handleResult failed: no room for 6' } });
    expect(readStateFields(state).finished).toBe(true);
    expect(recordedLedger(state).watermark).toBe(10);
  });
});

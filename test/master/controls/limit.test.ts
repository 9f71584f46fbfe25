import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { range, readRecord, tally } from '../../helpers/record.js';
import { readStateFields } from '../../helpers/state.js';
import { useTestDir } from '../../helpers/test-dir.js';

const dir = useTestDir();
const RECORD = join(FIXTURES, 'record.ts');
const JOBS = 1000;

describe('--limit through tm-run', () => {
  it('runs the first N jobs and stops (exit 0), then the same command carries on without --reset', async () => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'run.state.json');
    const command = [RECORD, '2', `n=${JOBS}`, '--state', state, '--threads', '1', '--no-progress'];
    const env = { TM_RECORD: record };

    const trial = runBin('tm-run', [...command, '--limit', '100'], { cwd: dir.path, env });
    expect(await trial.exited, trial.stderr).toEqual({ code: 0, signal: null });
    expect(trial.stdout).toMatch(/stopped: 100 jobs done, 0 dead-lettered .*; 100 of 1000 finished over the whole run/);
    expect(trial.stdout).toMatch(/stopped after the 100 jobs of --limit 100: run the same command to carry on/);
    expect(readRecord(record).map((line) => line.job).sort((a, b) => a - b)).toEqual(range(100));
    expect(readStateFields(state)).toMatchObject({ finished: false, ledger: { watermark: 100 } });

    const next = runBin('tm-run', [...command, '--limit', '250'], { cwd: dir.path, env });
    expect(await next.exited, next.stderr).toEqual({ code: 0, signal: null });
    expect(readStateFields(state)).toMatchObject({ finished: false, ledger: { watermark: 350 } });

    const rest = runBin('tm-run', command, { cwd: dir.path, env });
    expect(await rest.exited, rest.stderr).toEqual({ code: 0, signal: null });
    expect(rest.stdout).toMatch(/finished: 650 jobs done/);
    expect(tally(readRecord(record), range(JOBS))).toMatchObject({ missing: [], reran: [] });
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS } });
  }, 60_000);

  it('says a stop by signal was one, though the limit was reached: exit 143, no word of --limit', async () => {
    const started = join(dir.path, 'started.txt');
    const env = { TM_STARTED: started, TM_RECORD: join(dir.path, 'record.txt'), TM_UNRULY: 'gate', TM_UNRULY_JOBS: '5', TM_GATE: join(dir.path, 'gate') };
    const run = runBin('tm-run', [join(FIXTURES, 'unruly.ts'), '1', 'n=20', '--threads', '1', '--limit', '10', '--grace', '500', '--no-progress', '--state', join(dir.path, 's.json')], { cwd: dir.path, env });
    // All 10 pulled, job 5 stuck at its gate: SIGTERM stops the run before the limit can end it.
    await expect.poll(() => readRecord(started).length, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(6);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr).toEqual({ code: 143, signal: null });
    expect(run.stdout).toMatch(/stopped: \d+ jobs done/);
    expect(run.stdout).not.toMatch(/--limit/);
  }, 30_000);

  it('ends as finished when the generator runs out before the limit', async () => {
    const record = join(dir.path, 'record.txt');
    const run = runBin('tm-run', [RECORD, '1', 'n=50', '--threads', '1', '--limit', '100', '--no-progress', '--state', join(dir.path, 's.json')], { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stdout).toMatch(/finished: 50 jobs done/);
    expect(run.stdout).not.toMatch(/--limit/);
  }, 30_000);
});

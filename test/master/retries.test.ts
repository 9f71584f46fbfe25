import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadLetterPath } from '../../src/master/state/checkpoint.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { readStateFields } from '../helpers/state.js';

const RECORD = join(FIXTURES, 'record.ts');
const JOBS = 2000;
const FAIL_MOD = 100;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

describe('a handler that throws', () => {
  it('is retried, then dead-lettered with its attempts; the rest are done and the run exits 1', async () => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'run.state.json');
    const run = runBin('tm-run', [RECORD, '2', `n=${JOBS}`, '--threads', '1', '--state', state, '--retries', '2', '--retry-backoff', '10', '--no-progress'], {
      cwd: dir.path,
      env: { TM_RECORD: record, TM_FAIL_MOD: String(FAIL_MOD), TM_RECORD_FAILURES: '1' },
    });

    expect(await run.exited, run.stderr).toEqual({ code: 1, signal: null });
    const failing = range(JOBS).filter((job) => job % FAIL_MOD === 0);
    const lines = readRecord(record);
    // Every failing job ran 1 + 2 retries times, and never succeeded.
    const attempts = new Map<number, number>();
    for (const line of lines) if (line.failed) attempts.set(line.job, (attempts.get(line.job) ?? 0) + 1);
    expect([...attempts].sort(([a], [b]) => a - b)).toEqual(failing.map((job) => [job, 3]));
    const { missing, reran } = tally(lines, range(JOBS));
    expect(missing).toEqual(failing);
    expect(reran).toEqual([]);

    const deadLetters = readFileSync(deadLetterPath(state), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; job: unknown; attempts: number; error: { message: string } });
    expect(deadLetters.map((d) => d.seq).sort((a, b) => a - b)).toEqual(failing);
    for (const d of deadLetters) {
      expect(d).toMatchObject({ job: d.seq, attempts: 3, error: { message: `job ${d.seq} is divisible by ${FAIL_MOD}` } });
    }
    expect(run.stdout).toMatch(new RegExp(`finished: ${JOBS - failing.length} jobs done, ${failing.length} dead-lettered`));
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS, failed: failing.length } });
  });
});

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEAD, FAILED, JobLog, OK } from '../../../src/master/controls/job-log.js';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { useTestDir } from '../../helpers/test-dir.js';

const dir = useTestDir();

interface Line {
  readonly seq: number;
  readonly attempt: number;
  readonly slave: string;
  readonly start: number | null;
  readonly ms: number | null;
  readonly outcome: 'ok' | 'failed' | 'dead';
  readonly error?: string;
}

function readJobLog(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
}

describe('JobLog', () => {
  it('writes a line per job: outcome, attempt, timing (null when unknown) and the error of a failure', async () => {
    const path = join(dir.path, 'log.jsonl');
    const log = JobLog.open('log.jsonl', dir.path, (seq) => seq + 1000);
    const error = { message: 'bad "row"\nsecond line' };
    const outcomes = Uint8Array.of(OK, FAILED, DEAD);
    await log.write({ slave: { key: 'host-1-ab' }, seqs: [1, 2, 3], errors: [undefined, error, error], timings: [1000.4, 0.25, 2000, 1.5, 3000, 2] }, { outcomes, attempts: [0, 1, 2], resultErrors: undefined });
    await log.write({ slave: { key: 'host-2-cd' }, seqs: [4], errors: undefined }, { outcomes: Uint8Array.of(OK), attempts: undefined, resultErrors: undefined });
    await log.close();
    expect(readJobLog(path)).toEqual([
      { seq: 1001, attempt: 0, slave: 'host-1-ab', start: 1000, ms: 0.25, outcome: 'ok' },
      { seq: 1002, attempt: 1, slave: 'host-1-ab', start: 2000, ms: 1.5, outcome: 'failed', error: 'bad "row"\nsecond line' },
      { seq: 1003, attempt: 2, slave: 'host-1-ab', start: 3000, ms: 2, outcome: 'dead', error: 'bad "row"\nsecond line' },
      { seq: 1004, attempt: 0, slave: 'host-2-cd', start: null, ms: null, outcome: 'ok' },
    ]);
  });

  it('refuses a file it cannot open as a usage error naming the flag', () => {
    expect(() => JobLog.open('no/such/dir/log.jsonl', dir.path)).toThrow(/^cannot open `--joblog` .*no\/such\/dir\/log\.jsonl: ENOENT/);
  });

  it('fails on a disk that is full, with the file named, and holds no more than its write-behind meanwhile', async () => {
    const log = JobLog.open('/dev/full', dir.path);
    const seqs = Array.from({ length: 10_000 }, (_, i) => i);
    const report = { slave: { key: 's' }, seqs, errors: undefined };
    const outcomes = { outcomes: new Uint8Array(seqs.length), attempts: undefined, resultErrors: undefined };
    // A write of 10,000 lines passes a chunk: it is written behind, and the next write hears how it went.
    await log.write(report, outcomes);
    await expect.poll(() => {
      try {
        log.write(report, outcomes);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    }).toMatch(/^cannot write the job log \/dev\/full: ENOSPC/);
    await expect(log.close()).rejects.toThrow(/ENOSPC/);
  });
});

describe('--joblog through tm-run', () => {
  it('appends a line per finished attempt, with the slave, when it started, how long it ran, and why it failed', async () => {
    const record = join(dir.path, 'record.txt');
    const joblog = join(dir.path, 'jobs.jsonl');
    const jobs = 200;
    const before = Date.now();
    const command = [join(FIXTURES, 'record.ts'), '2', `n=${jobs}`, '--threads', '1', '--concurrency', '4', '--retries', '1', '--retry-backoff', '0', '--joblog', 'jobs.jsonl', '--no-progress'];
    // Every seventh job fails twice and is dead-lettered; async jobs, every tenth slow, report in partial DONEs.
    const env = { TM_RECORD: record, TM_FAIL_MOD: '7', TM_ASYNC_MS: '1' };
    const run = runBin('tm-run', command, { cwd: dir.path, env });
    expect(await run.exited, run.stderr).toEqual({ code: 1, signal: null });
    const lines = readJobLog(joblog);
    const failing = Array.from({ length: jobs }, (_, i) => i).filter((i) => i % 7 === 0);
    expect(lines).toHaveLength(jobs + failing.length);
    for (const line of lines) {
      expect(line.slave).toMatch(new RegExp(`^${hostname()}-\\d+-[0-9a-f]+$`));
      expect(line.start).toBeGreaterThanOrEqual(before - 1);
      expect(line.start).toBeLessThanOrEqual(Date.now());
      // Each awaited a timer: its own time, never a stretch's share of nothing.
      expect(line.ms).toBeGreaterThan(0);
    }
    const ok = lines.filter((line) => line.outcome === 'ok');
    expect(ok.map((line) => line.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: jobs }, (_, i) => i).filter((i) => i % 7 !== 0));
    expect(ok.every((line) => line.attempt === 0 && line.error === undefined)).toBe(true);
    for (const [outcome, attempt] of [['failed', 0], ['dead', 1]] as const) {
      const those = lines.filter((line) => line.outcome === outcome);
      expect(those.map((line) => line.seq).sort((a, b) => a - b)).toEqual(failing);
      expect(those.every((line) => line.attempt === attempt && line.error === `job ${line.seq} is divisible by 7`)).toBe(true);
    }
    // The two slaves' ids (one may have joined too late for any job).
    expect(new Set(lines.map((line) => line.slave)).size).toBeLessThanOrEqual(2);

    // Appended: another run adds its lines after these.
    const again = runBin('tm-run', [...command, '--reset'], { cwd: dir.path, env });
    expect(await again.exited, again.stderr).toEqual({ code: 1, signal: null });
    expect(readJobLog(joblog)).toHaveLength(2 * (jobs + failing.length));
  }, 60_000);
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failuresPast, parseMaxFailures } from '../../../src/master/controls/failure-limit.js';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { range, readRecord, tally } from '../../helpers/record.js';
import { readStateFields } from '../../helpers/state.js';
import { useTestDir } from '../../helpers/test-dir.js';

describe('parseMaxFailures', () => {
  it('reads a count or a percentage', () => {
    expect(parseMaxFailures('50')).toEqual({ count: 50 });
    expect(parseMaxFailures(0)).toEqual({ count: 0 });
    expect(parseMaxFailures('5%')).toEqual({ percent: 5 });
    expect(parseMaxFailures('0.5%')).toEqual({ percent: 0.5 });
  });

  it.each(['abc', '-1', '5.5', '101%', '%', '5 %x'])('refuses `%s`, naming the flag and the value', (text) => {
    expect(() => parseMaxFailures(text)).toThrow(`Expected \`--max-failures\` to be an integer >= 0 or a percentage from 0% to 100%, got \`${text}\``);
  });
});

describe('failuresPast', () => {
  it('passes a count once dead letters are more than it', () => {
    expect(failuresPast({ count: 50 }, 50, 1000)).toBeUndefined();
    expect(failuresPast({ count: 50 }, 51, 1000)).toBe('51 jobs dead-lettered, more than --max-failures 50');
    expect(failuresPast({ count: 0 }, 1, 1)).toBe('1 job dead-lettered, more than --max-failures 0');
  });

  it('passes a percentage of finished jobs only once 100 have finished', () => {
    expect(failuresPast({ percent: 5 }, 99, 99)).toBeUndefined();
    expect(failuresPast({ percent: 5 }, 5, 100)).toBeUndefined();
    expect(failuresPast({ percent: 5 }, 6, 100)).toBe('6 of 100 finished jobs dead-lettered (6.0%), more than --max-failures 5%');
  });
});

const dir = useTestDir();
const RECORD = join(FIXTURES, 'record.ts');
const JOBS = 20_000;
const LIMIT = 5;

describe('--max-failures through tm-run', () => {
  it('stops dispatching once dead letters pass it, exits 1 with why, and a later run carries on; --retry-failed still works', async () => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'run.state.json');
    const command = [RECORD, '1', `n=${JOBS}`, '--state', state, '--threads', '1', '--max-credit', '50', '--retries', '0', '--no-progress'];
    // Every tenth job fails: the sixth failure (job 50) passes the limit.
    const first = runBin('tm-run', [...command, '--max-failures', String(LIMIT)], { cwd: dir.path, env: { TM_RECORD: record, TM_FAIL_MOD: '10', TM_RECORD_FAILURES: '1' } });
    expect(await first.exited, first.stderr).toEqual({ code: 1, signal: null });
    expect(first.stderr).toMatch(new RegExp(`stopping: \\d+ jobs dead-lettered, more than --max-failures ${LIMIT}`));
    expect(first.stdout).toMatch(new RegExp(`stopped taking work when \\d+ jobs dead-lettered, more than --max-failures ${LIMIT}; the jobs then in flight were let finish, and are counted above\\. The state is kept`));
    const [, done, failed] = /stopped: (\d+) jobs done, (\d+) dead-lettered/.exec(first.stdout)!.map(Number) as [number, number, number];
    expect(failed).toBeGreaterThan(LIMIT);
    // Dispatch stopped: every job that ran was recorded (only those in flight finished after the
    // stop), they are a prefix of the run, and far fewer than it: job 50, the one past the limit,
    // came back in a DONE of at most 50 jobs, with at most 50 more in flight.
    const ran = readRecord(record);
    expect(ran).toHaveLength(done + failed);
    expect(ran.length).toBeLessThanOrEqual(150);
    expect(readStateFields(state)).toMatchObject({ finished: false, ledger: { watermark: done + failed, failed } });

    // The bug fixed, the same command (no limit needed) carries on where it stopped, and runs no job twice.
    const second = runBin('tm-run', command, { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await second.exited, second.stderr).toEqual({ code: 1, signal: null });
    expect(second.stdout).toMatch(new RegExp(`finished: ${JOBS - done - failed} jobs done, 0 dead-lettered`));
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS, failed } });

    const retry = runBin('tm-run', [...command, '--retry-failed'], { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await retry.exited, retry.stderr).toEqual({ code: 0, signal: null });
    const lines = readRecord(record);
    expect(tally(lines, range(JOBS))).toMatchObject({ missing: [], reran: [] });
    expect(lines.filter((line) => line.failed)).toHaveLength(failed);
  }, 90_000);
});

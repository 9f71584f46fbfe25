import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { countJobs, getJobs } from '../../src/sources/range.js';
import { reservePort } from '../helpers/ports.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';
import { collect, recorded } from './collect.js';

const jobs = async (args: Record<string, string>, last?: number): Promise<unknown[]> => (await collect(getJobs(last, args))).map(({ job }) => job);

describe('the range source', () => {
  it('yields from= up to, not including, to=, by step=', async () => {
    expect(await jobs({ to: '5' })).toEqual([0, 1, 2, 3, 4]);
    expect(await jobs({ from: '3', to: '12', step: '4' })).toEqual([3, 7, 11]);
    expect(await jobs({ from: '-2', to: '2' })).toEqual([-2, -1, 0, 1]);
    expect(await jobs({ from: '4', to: '4' })).toEqual([]);
    expect(countJobs({ from: '3', to: '12', step: '4' })).toBe(3);
  });

  it('counts down with a negative step', async () => {
    expect(await jobs({ from: '10', to: '0', step: '-3' })).toEqual([10, 7, 4, 1]);
    expect(await jobs({ from: '0', to: '-3', step: '-1' })).toEqual([0, -1, -2]);
    expect(countJobs({ from: '10', to: '0', step: '-3' })).toBe(4);
  });

  it('resumes at seq `last` exactly: what was left, nothing else', async () => {
    const all = await jobs({ from: '100', to: '-100', step: '-7' });
    for (let last = 0; last <= all.length; last++) expect(await jobs({ from: '100', to: '-100', step: '-7' }, last)).toEqual(all.slice(last));
  });

  it.each([
    [{}, 'range source: needs `to=` (an integer)'],
    [{ to: '10', step: '0' }, 'range source: expected `step=` to be a non-zero integer, got `0`'],
    [{ from: '10', to: '0' }, 'range source: step=1 never reaches to=0 from from=10; count down with a negative step'],
    [{ to: '10', step: '-1' }, 'range source: step=-1 never reaches to=10 from from=0; count up with a positive step'],
    [{ to: '1e3' }, 'range source: expected `to=` to be a safe integer, got `1e3`'],
    [{ to: '9007199254740993' }, 'range source: expected `to=` to be a safe integer, got `9007199254740993`'],
    [{ to: '3', form: '1' }, 'range source: unknown argument `form=`; it takes `from=`, `to=`, `step=`'],
  ])('refuses %j with one line naming the word', (args, message) => {
    // Checked as getJobs is called, before the first job: Master.start reports it as a usage error.
    expect(() => getJobs(undefined, args)).toThrow(new UsageError(message));
  });
});

describe('the range source, by package path', () => {
  const dir = useTestDir();

  it('runs under tm-master and a tm-slave of the handler alone, from a directory that does not depend on taskmaster-ts', async () => {
    const record = join(dir.path, 'record.jsonl');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', ['taskmaster-ts/sources/range', 'from=5', 'to=-5', 'step=-2', '--address', address, '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const slave = runBin('tm-slave', [join(FIXTURES, 'job-record.mjs'), '--address', address, '--threads', '1'], { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(master.stdout).toMatch(/finished: 5 jobs done, 0 dead-lettered/);
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(recorded(record).sort((a, b) => Number(a) - Number(b))).toEqual([-3, -1, 1, 3, 5]);
  });

  it('says a bad word in one line, exit 2, before any slave starts', async () => {
    const run = runBin('tm-run', ['--source', 'taskmaster-ts/sources/range', join(FIXTURES, 'job-record.mjs'), '1', 'to=abc', '--no-progress'], { cwd: dir.path });
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.stderr).toMatch(/^tm-run: range source: expected `to=` to be a safe integer, got `abc`$/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

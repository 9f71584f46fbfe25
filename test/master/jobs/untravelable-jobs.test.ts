import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin, type Proc } from '../../helpers/processes.js';
import { range, readRecord, tally } from '../../helpers/record.js';
import { readStateFields, recordedLedger } from '../../helpers/state.js';
import { useTestDir } from '../../helpers/test-dir.js';

const dir = useTestDir();

/** tm-run of test/fixtures/untravelable.ts over 100 jobs, the bad one at seq 50, with `args` (`kind=…` or `cursor=…`). */
function runUntravelable(state: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  return runBin('tm-run', [join(FIXTURES, 'untravelable.ts'), '1', 'n=100', 'at=50', ...args, '--threads', '1', '--state', state, '--no-progress'], { cwd: dir.path, env });
}

/** Expects the run to have failed on `reason`, said in exactly one line (not once by the master and again by tm-run), with no stack trace. */
async function expectRefused(run: Proc, reason: string): Promise<void> {
  const exit = await run.exited;
  expect(exit, run.stderr).toEqual({ code: 1, signal: null });
  const output = `${run.stdout}${run.stderr}`.split('\n');
  expect(output.filter((line) => line.includes(reason)), run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  // Nothing was in flight: no word of waiting for it.
  expect(run.stderr).not.toMatch(/waiting up to \d+ ms for 0 in-flight/);
}

describe('a generator that yields a job that cannot travel', () => {
  it.each([
    { kind: 'function', says: 'a function, which would arrive as undefined' },
    { kind: 'field', says: 'a function at .save, which would arrive as undefined' },
    { kind: 'instance', says: 'an instance of Account, which would arrive as a plain object without its methods' },
    { kind: 'symbol', says: 'a symbol at .tag, which msgpack cannot encode' },
    { kind: 'deep', says: 'a function at .next.next.next.next.next.next.next.next…, which would arrive as undefined' },
  ])('stops the run at that seq with one line saying why ($kind), and records nothing from it on', async ({ kind, says }) => {
    const state = join(dir.path, `${kind}.state.json`);
    await expectRefused(runUntravelable(state, [`kind=${kind}`]), `getJobs yielded a job at seq 50 that cannot travel to a slave: ${says}; yield data`);
    // Not recorded as finished, and nothing at or past the bad seq recorded (the resume test below runs every job).
    expect(readStateFields(state).finished).toBe(false);
    expect(recordedLedger(state).isFinished(50)).toBe(false);
  });
});

describe('a generator that yields a cursor the state cannot keep', () => {
  it.each([
    { cursor: 'symbol', says: 'a symbol, which JSON leaves out' },
    { cursor: 'nan', says: 'NaN at .after, which JSON writes as null' },
    { cursor: 'undefined', says: 'undefined, which JSON leaves out (or writes as null in an array)' },
    { cursor: 'deep', says: 'a symbol at .next.next.next.next.next.next.next.next…, which JSON leaves out' },
  ])('stops the run at that seq with one line saying why ($cursor), as for a job that cannot travel', async ({ cursor, says }) => {
    const state = join(dir.path, `${cursor}.state.json`);
    await expectRefused(runUntravelable(state, [`cursor=${cursor}`]), `getJobs yielded a cursor at seq 50 that cannot be kept in the state: ${says}; a cursor must come back from JSON as it was`);
    expect(readStateFields(state).finished).toBe(false);
  });
});

// The bound that can fail: a resume of the same run, its generator fixed, must run every job from the bad seq on.
describe('a run refused over a job or a cursor', () => {
  it.each(['kind=deep', 'cursor=symbol'])('resumes (%s), its generator fixed, at or before the bad seq: every job runs', async (bad) => {
    const state = join(dir.path, 'run.state.json');
    const record = join(dir.path, 'record.txt');
    const refused = runUntravelable(state, [bad], { TM_RECORD: record });
    expect(await refused.exited, refused.stderr).toEqual({ code: 1, signal: null });
    const fixed = runUntravelable(state, [bad], { TM_RECORD: record, TM_FIXED: '1' });
    expect(await fixed.exited, fixed.stderr).toEqual({ code: 0, signal: null });
    expect(readStateFields(state).finished).toBe(true);
    expect(tally(readRecord(record), range(100)).missing).toEqual([]);
  });
});

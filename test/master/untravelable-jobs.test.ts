import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';
import { readStateFields, recordedLedger } from '../helpers/state.js';

const dir = useTestDir();

describe('a generator that yields a job that cannot travel', () => {
  it.each([
    { kind: 'function', says: 'a function, which would arrive as undefined' },
    { kind: 'field', says: 'a function at .save, which would arrive as undefined' },
    { kind: 'instance', says: 'an instance of Account, which would arrive as a plain object without its methods' },
    { kind: 'symbol', says: 'a symbol at .tag, which msgpack cannot encode' },
  ])('stops the run at that seq with one line saying why ($kind), and records nothing from it on', async ({ kind, says }) => {
    const state = join(dir.path, `${kind}.state.json`);
    const run = runBin('tm-run', [join(FIXTURES, 'untravelable.ts'), '1', 'n=100', 'at=50', `kind=${kind}`, '--threads', '1', '--state', state, '--no-progress'], { cwd: dir.path });
    const exit = await run.exited;
    expect(exit, run.stderr).toEqual({ code: 1, signal: null });
    const line = `getJobs yielded a job at seq 50 that cannot travel to a slave: ${says}; yield data`;
    expect(run.stderr).toContain(line);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    // Nothing from the bad job on ran, and the run is not recorded as finished: a resume starts at or before it.
    const ledger = recordedLedger(state);
    expect(ledger.highestFinished).toBeLessThan(50);
    expect(readStateFields(state).finished).toBe(false);
  });
});

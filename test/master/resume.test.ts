import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';
import { countLines, range, readRecord, tally } from '../helpers/record.js';
import { readStateFields, recordedLedger } from '../helpers/state.js';

/** examples/keyset.ts's generator (`withCursor`, rows 0, 3, 6, … below n) with a recording handler. */
const KEYSET = join(FIXTURES, 'keyset-record.ts');
const ROWS = 20_000;
const N = 3 * ROWS;
/** The most jobs a slave holds at once (SlaveOptions.maxCredit's default). */
const SLAVE_MAX_CREDIT = 20_000;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

describe('resume by keyset cursor', () => {
  it.each([
    { signal: 'SIGINT', exit: { code: 130, signal: null }, flags: [] },
    // No snapshot after the first yield: the cursors are only in the completion log.
    { signal: 'SIGKILL', exit: { code: null, signal: 'SIGKILL' }, flags: ['--checkpoint-interval', '600000'] },
  ] as const)('goes on after the last row of the finished prefix once a master stopped by $signal is resumed', async ({ signal, exit, flags }) => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'keyset.state.json');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [KEYSET, `n=${N}`, '--address', address, '--state', state, '--no-progress', ...flags], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const slave = runBin('tm-slave', [KEYSET, '--address', address, '--threads', '1'], { cwd: dir.path, env: { TM_RECORD: record, TM_SPIN_US: '100' } });

    await expect.poll(() => countLines(record), { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(2000);
    master.child.kill(signal);
    expect(await master.exited, master.stderr).toEqual(exit);
    slave.child.kill('SIGKILL');
    await slave.exited;
    const heard = recordedLedger(state);
    expect(readStateFields(state).finished).toBe(false);
    expect(heard.watermark).toBeGreaterThan(0);
    expect(heard.finished).toBeLessThan(ROWS);
    // Row k has id 3k: the cursor is the id of the last row of the finished prefix.
    expect(heard.lastCursor).toBe(3 * (heard.watermark - 1));

    const resumed = runBin('tm-run', [KEYSET, '1', `n=${N}`, '--threads', '1', '--state', state, '--no-progress'], { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await resumed.exited, resumed.stderr).toEqual({ code: 0, signal: null });
    expect(resumed.stderr).toMatch(`resuming at seq ${heard.watermark}, ${heard.finished} finished`);
    expect(resumed.stdout).toMatch(new RegExp(`finished: ${ROWS - heard.finished} jobs done, 0 dead-lettered .*; ${ROWS} finished over the whole run`));

    const { missing, reran, runs } = tally(readRecord(record), range(ROWS).map((k) => 3 * k));
    expect(missing).toEqual([]);
    expect(runs.size).toBe(ROWS);
    // No row the master had heard done ran again; a graceful stop lets every in-flight job finish.
    expect(reran.filter((id) => heard.isFinished(id / 3))).toEqual([]);
    if (signal === 'SIGINT') expect(reran).toEqual([]);
    else expect(reran.length).toBeLessThanOrEqual(SLAVE_MAX_CREDIT);
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: ROWS, lastCursor: N - 3 } });
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { readStateFields } from '../helpers/state.js';

const RECORD = join(FIXTURES, 'record.ts');
const JOBS = 100_000;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

describe('kill -9 of a slave', () => {
  it('finishes the run on the other slave once the lease of the dead one runs out, no job missing', async () => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'run.state.json');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [RECORD, `n=${JOBS}`, '--address', address, '--state', state, '--lease', '2000', '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const env = { TM_RECORD: record, TM_RECORD_PID: '1', TM_SPIN_US: '20' };
    const [victim, survivor] = [0, 1].map(() => runBin('tm-slave', [RECORD, '--address', address, '--threads', '1'], { cwd: dir.path, env })) as [
      ReturnType<typeof runBin>,
      ReturnType<typeof runBin>,
    ];
    const ranOn = (pid: number | undefined): number => readRecord(record).filter((line) => line.pid === pid).length;

    await expect.poll(() => ranOn(victim.child.pid), { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(2000);
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const lines = readRecord(record);
    expect(lines.length, 'the run ended before the kill').toBeLessThan(JOBS);
    const victimRan = ranOn(victim.child.pid);

    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(await survivor.exited, survivor.stderr).toEqual({ code: 0, signal: null });
    expect(master.stderr).toMatch(/slave \S+ gone: silent for more than 2000 ms \(lease\)/);
    expect(master.stderr).toMatch(/\d+ in-flight jobs back in the buffer/);
    const all = readRecord(record);
    expect(ranOn(victim.child.pid)).toBe(victimRan);
    expect(all.slice(lines.length).every((line) => line.pid === survivor.child.pid)).toBe(true);
    expect(tally(all, range(JOBS)).missing).toEqual([]);
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS, failed: 0 } });
  });
});

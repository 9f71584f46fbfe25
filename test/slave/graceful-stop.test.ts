import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pack } from '../../src/protocol/codec.js';
import { FakeMaster } from '../helpers/fake-master.js';
import { processesIn } from '../helpers/orphans.js';
import { FIXTURES, killAll, runBin, tempDir, type Proc } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { range, readRecord, tally } from '../helpers/record.js';

const TASK = join(FIXTURES, 'unruly.ts');
const RUN = 'run-1';

let dir: ReturnType<typeof tempDir>;
let fake: FakeMaster | undefined;

beforeEach(() => {
  dir = tempDir();
});

afterEach(async () => {
  fake?.close();
  fake = undefined;
  await killAll();
  dir.remove();
});

/** A slave of one thread and two jobs of credit whose every job waits for the gate file; the paths it writes. */
function gatedSlave(address: string): { slave: Proc; started: string; record: string; gate: string } {
  const [started, record, gate] = ['started.txt', 'record.txt', 'gate'].map((name) => join(dir.path, name)) as [string, string, string];
  const env = { TM_STARTED: started, TM_RECORD: record, TM_UNRULY_JOBS: '0-1000000', TM_UNRULY: 'gate', TM_GATE: gate };
  const slave = runBin('tm-slave', [TASK, '--address', address, '--threads', '1', '--max-credit', '2'], { cwd: dir.path, env });
  return { slave, started, record, gate };
}

/** Plays the master's side up to job 0 running on the slave, held at the gate. */
async function welcomeAndSendJob0(master: FakeMaster, started: string): Promise<void> {
  await master.expect('HELLO');
  await master.send({ command: 'WELCOME', run: RUN, jobTimeout: 0, lease: 60_000, wantResults: false });
  expect(await master.expect('CREDIT')).toMatchObject({ credit: 2 });
  await master.send({ command: 'JOBS', run: RUN, seqs: [0, 1], jobs: pack([0]) });
  await expect.poll(() => readRecord(started).map((line) => line.job), { timeout: 20_000, interval: 10 }).toEqual([0]);
}

describe('SIGTERM to a slave', () => {
  it('lets its running job finish and hands the unstarted one back, which another slave runs at once (lease 120 s)', async () => {
    const state = join(dir.path, 'run.state.json');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    // A lease longer than the test: a job that waited for it would never run.
    const master = runBin('tm-master', [TASK, 'n=200', '--address', address, '--state', state, '--lease', '120000', '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const { slave: leaving, started, record, gate } = gatedSlave(address);
    // It holds job 0 (running, held at the gate) and job 1 (queued); the other slave takes the rest.
    await expect.poll(() => readRecord(started).map((line) => line.job), { timeout: 20_000, interval: 10 }).toEqual([0]);
    const staying = runBin('tm-slave', [TASK, '--address', address, '--threads', '1'], { cwd: dir.path, env: { TM_RECORD: record } });

    leaving.child.kill('SIGTERM');
    // Job 1 runs elsewhere while the leaving slave still runs job 0: it waited neither for the
    // lease nor for the slave's running job.
    await expect.poll(() => readRecord(record).find((line) => line.job === 1)?.pid, { timeout: 20_000, interval: 10 }).toBe(staying.child.pid);
    expect(leaving.child.exitCode, 'the leaving slave quit before its running job finished').toBeNull();
    writeFileSync(gate, '');

    expect(await leaving.exited, leaving.stderr).toEqual({ code: 143, signal: null });
    expect(master.stderr).toMatch(/1 in-flight job back in the buffer/);
    // The slave counts the same job handed back, though it waited in the thread, not in the slave's queue.
    expect(leaving.stderr).toMatch(/stopping: 1 unstarted job handed back; waiting for 1 running job to finish/);
    expect(leaving.stderr).toMatch(/left: the master has taken back every job it gave us/);
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(await staying.exited, staying.stderr).toEqual({ code: 0, signal: null });
    const lines = readRecord(record);
    expect(tally(lines, range(200))).toMatchObject({ missing: [], reran: [] });
    expect(lines.filter((line) => line.pid === leaving.child.pid).map((line) => line.job)).toEqual([0]);
    expect(readRecord(started).filter((line) => line.pid === leaving.child.pid).map((line) => line.job)).toEqual([0]);
    expect(processesIn(dir.path)).toEqual([]);
  }, 30_000);

  it('hands back JOBS that crossed its BYE, and closes only once the master says QUIT', async () => {
    fake = await FakeMaster.bind();
    const { slave, started, gate } = gatedSlave(fake.endpoint);
    await welcomeAndSendJob0(fake, started);

    slave.child.kill('SIGTERM');
    expect(await fake.expect('BYE')).toMatchObject({ run: RUN, returned: [] });
    // Sent before the master read the BYE: handed back.
    await fake.send({ command: 'JOBS', run: RUN, seqs: [2, 1], jobs: pack([2]) });
    expect(await fake.expect('BYE')).toMatchObject({ run: RUN, returned: [2, 1] });
    writeFileSync(gate, '');
    expect(await fake.expect('DONE')).toMatchObject({ run: RUN, seqs: [0, 1], failures: [], credit: 0 });
    // Its last job has reported, yet it still listens: a JOBS on the wire now is not lost.
    await fake.send({ command: 'JOBS', run: RUN, seqs: [3, 1], jobs: pack([3]) });
    expect(await fake.expect('BYE')).toMatchObject({ run: RUN, returned: [3, 1] });
    expect(slave.child.exitCode).toBeNull();

    await fake.send({ command: 'QUIT', run: RUN });
    expect(await slave.exited, slave.stderr).toEqual({ code: 143, signal: null });
    expect(slave.stderr).toMatch(/left: the master has taken back every job it gave us/);
    expect(readRecord(started).map((line) => line.job)).toEqual([0]);
  }, 30_000);

  it('leaves after a few seconds when no QUIT answers its BYE (the master is gone)', async () => {
    fake = await FakeMaster.bind();
    const { slave } = gatedSlave(fake.endpoint);
    const stderr = (): string => `${slave.stderr} (exit ${slave.child.exitCode}, signal ${slave.child.signalCode})`;
    await fake.expect('HELLO', stderr);
    await fake.send({ command: 'WELCOME', run: RUN, jobTimeout: 0, lease: 60_000, wantResults: false });
    await fake.expect('CREDIT', stderr);

    slave.child.kill('SIGTERM');
    expect(await fake.expect('BYE', stderr)).toMatchObject({ run: RUN, returned: [] });
    expect(await slave.exited, slave.stderr).toEqual({ code: 143, signal: null });
    expect(slave.stderr).toMatch(/left without the master's QUIT after \d+ ms/);
  }, 30_000);

  it('stops at once on a second signal, handing back the job it abandons', async () => {
    fake = await FakeMaster.bind();
    const { slave, started, record } = gatedSlave(fake.endpoint);
    await welcomeAndSendJob0(fake, started);

    slave.child.kill('SIGTERM');
    expect(await fake.expect('BYE')).toMatchObject({ returned: [] });
    slave.child.kill('SIGTERM');
    // Nothing ran: job 0 comes back as returned, for the master to send elsewhere now.
    expect(await fake.expect('DONE')).toMatchObject({ seqs: [], failures: [], returned: [0, 1] });
    expect(await slave.exited, slave.stderr).toEqual({ code: 143, signal: null });
    expect(readRecord(record)).toEqual([]);
  }, 30_000);
});

describe("the run's QUIT to a slave", () => {
  it('is answered with BYE, holding nothing, before the slave exits 0: the master closes once every answer is in', async () => {
    fake = await FakeMaster.bind();
    const { slave } = gatedSlave(fake.endpoint);
    await fake.expect('HELLO');
    await fake.send({ command: 'WELCOME', run: RUN, jobTimeout: 0, lease: 60_000, wantResults: false });
    await fake.expect('CREDIT');
    await fake.send({ command: 'QUIT', run: RUN });
    expect(await fake.expect('BYE')).toEqual({ command: 'BYE', run: RUN, returned: [] });
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
  }, 30_000);
});

/**
 * tm-master, tm-slave and tm-spawn as pid 1 of a container (test/helpers/containers.ts): the
 * kernel drops a signal to pid 1 that has no handler, so each must take SIGTERM and SIGINT from
 * its start and stop as it does elsewhere; tm-spawn must reap the slaves it restarts. Needs root
 * and unshare: without them these tests are skipped locally, and fail under CI.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pid1Unavailable, processesInNamespaceOf, runAsPid1 } from '../helpers/containers.js';
import { childPids, FIXTURES, runBin, type Proc } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { readRecord } from '../helpers/record.js';
import { recordedLedger, readStateFields } from '../helpers/state.js';
import { useTestDir } from '../helpers/test-dir.js';

const UNRULY = join(FIXTURES, 'unruly.ts');
const RECORD = join(FIXTURES, 'record.ts');
const SLOW_LOAD = join(FIXTURES, 'slow-load.mjs');
const unavailable = pid1Unavailable();

if (unavailable !== undefined && !process.env.CI) process.stderr.write(`test/containers: skipped, pid namespaces unavailable (${unavailable}); run as root with util-linux\n`);

describe.runIf(unavailable !== undefined && process.env.CI)('pid namespaces under CI', () => {
  it('are available: CI must run the pid-1 tests', () => {
    expect.fail(`CI cannot run a bin as pid 1 (${unavailable}): .ci/run runs as root, with util-linux`);
  });
});

const CODE = { SIGTERM: 143, SIGINT: 130 } as const;

describe.skipIf(unavailable !== undefined)('as pid 1 of a container', () => {
  const dir = useTestDir();
  const path = (name: string): string => join(dir.path, name);

  /** Slaves that record each job and hold it until the file `gate` exists. */
  const gated = (): NodeJS.ProcessEnv => ({ TM_STARTED: path('started.txt'), TM_RECORD: path('record.txt'), TM_UNRULY_JOBS: '0-1000000', TM_UNRULY: 'gate', TM_GATE: path('gate') });

  /** Resolves once `count` slaves each hold a job at the gate. */
  async function untilHeld(count: number): Promise<void> {
    await expect.poll(() => new Set(readRecord(path('started.txt')).map((line) => line.pid)).size, { timeout: 20_000, interval: 10 }).toBe(count);
  }

  /** Every job that started finished, the stopped run's state holds exactly those, and it is not finished. */
  function expectStoppedRunRecorded(): void {
    const jobs = (file: string): number[] => readRecord(path(file)).map((line) => line.job).sort((a, b) => a - b);
    const ran = jobs('record.txt');
    expect(jobs('started.txt')).toEqual(ran);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    const ledger = recordedLedger(path('run.state.json'));
    expect(ran.filter((job) => !ledger.isFinished(job))).toEqual([]);
    expect(ledger.finished).toBe(ran.length);
    expect(readStateFields(path('run.state.json')).finished).toBe(false);
  }

  const masterArgs = (task: string, n: number, address = 'tcp://127.0.0.1:*'): string[] => [task, `n=${n}`, '--address', address, '--state', path('run.state.json'), '--no-progress'];
  const listening = async (master: Proc): Promise<string> => (await master.waitFor(/listening on (tcp:\/\/[^\s;]+)/))[1]!;

  it.each(['SIGTERM', 'SIGINT'] as const)('tm-master stops gracefully on %s: in-flight jobs finish, the state is flushed, exit 143/130', async (signal) => {
    const master = runAsPid1('tm-master', masterArgs(UNRULY, 50), { cwd: dir.path, hostname: 'master-0' });
    runBin('tm-slave', [UNRULY, '--threads', '1', '--address', await listening(master)], { cwd: dir.path, env: gated() });
    await untilHeld(1);

    process.kill(await master.hostPid(), signal);
    await master.waitFor(/stopping/);
    writeFileSync(path('gate'), '');
    expect(await master.exited, master.stderr).toEqual({ code: CODE[signal], signal: null });
    expectStoppedRunRecorded();
  }, 60_000);

  // Before the fix the handlers came after the start: as pid 1 the SIGTERM was dropped and the run went on (exit 0); elsewhere it killed the master.
  it.each([true, false])('tm-master takes a SIGTERM that comes while it starts, and stops once started (pid 1: %s)', async (asPid1) => {
    const env = { TM_LOAD_GATE: path('loaded') };
    const master = asPid1 ? runAsPid1('tm-master', masterArgs(SLOW_LOAD, 20), { cwd: dir.path, env }) : runBin('tm-master', masterArgs(SLOW_LOAD, 20), { cwd: dir.path, env });
    await master.waitFor(/slow-load: loading/);

    process.kill(asPid1 ? await (master as ReturnType<typeof runAsPid1>).hostPid() : master.child.pid!, 'SIGTERM');
    writeFileSync(path('loaded'), '');
    // A master that missed the signal would run its 20 jobs with this slave, and exit 0.
    runBin('tm-slave', [SLOW_LOAD, '--threads', '1', '--address', await listening(master)], { cwd: dir.path, env });
    expect(await master.exited, master.stderr).toEqual({ code: 143, signal: null });
    expect(readStateFields(path('run.state.json')).finished).toBe(false);
  }, 60_000);

  it('tm-slave exits 0 on the master’s QUIT, as a pod of an Indexed Job must', async () => {
    const master = runBin('tm-master', masterArgs(RECORD, 20), { cwd: dir.path });
    const slave = runAsPid1('tm-slave', [RECORD, '--threads', '1', '--address', await listening(master)], { cwd: dir.path, env: { TM_RECORD: path('record.txt') }, hostname: 'slaves-0' });

    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(slave.stdout).toBe('tm-slave: 20 jobs run, 0 failed; the run is over\n');
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
  }, 60_000);

  it.each(['SIGTERM', 'SIGINT'] as const)('tm-slave stops gracefully on %s: its running job finishes and reports, exit 143/130', async (signal) => {
    const master = runBin('tm-master', masterArgs(UNRULY, 50), { cwd: dir.path });
    const slave = runAsPid1('tm-slave', [UNRULY, '--threads', '1', '--address', await listening(master)], { cwd: dir.path, env: gated() });
    await untilHeld(1);

    process.kill(await slave.hostPid(), signal);
    await slave.waitFor(/stopping: /);
    writeFileSync(path('gate'), '');
    expect(await slave.exited, slave.stderr).toEqual({ code: CODE[signal], signal: null });
    expect(slave.stderr).toMatch(/left: the master has taken back every job it gave us/);
    master.child.kill('SIGTERM');
    expect((await master.exited).code).toBe(143);
    expectStoppedRunRecorded();
  }, 60_000);

  it('tm-slave --give-up-after exits 3 once its master is killed -9 and none comes back', async () => {
    const master = runBin('tm-master', masterArgs(RECORD, 1_000_000), { cwd: dir.path });
    const slave = runAsPid1('tm-slave', [RECORD, '--threads', '1', '--give-up-after', '2000', '--address', await listening(master)], { cwd: dir.path, env: { TM_RECORD: path('record.txt') } });
    await slave.waitFor(/welcomed by run/);

    master.child.kill('SIGKILL');
    await master.exited;
    expect(await slave.exited, slave.stderr).toEqual({ code: 3, signal: null });
    expect(slave.stdout).toMatch(/^tm-slave: \d+ jobs run, 0 failed; gave up: no master answered for 2000 ms \(--give-up-after\)\n$/);
  }, 60_000);

  it('tm-spawn stops gracefully on SIGTERM: passed on once, running jobs finish, exit 143', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', masterArgs(UNRULY, 50, address), { cwd: dir.path });
    await listening(master);
    const spawn = runAsPid1('tm-spawn', [UNRULY, '2', '--address', address, '--threads', '1'], { cwd: dir.path, env: gated() });
    await untilHeld(2);

    process.kill(await spawn.hostPid(), 'SIGTERM');
    await expect.poll(() => spawn.stderr.match(/\[slave \d+\] stopping:/g)?.length ?? 0, { timeout: 20_000, interval: 10 }).toBe(2);
    writeFileSync(path('gate'), '');
    expect(await spawn.exited, spawn.stderr).toEqual({ code: 143, signal: null });
    expect(spawn.stderr.match(/left: the master has taken back every job it gave us/g)).toHaveLength(2);
    master.child.kill('SIGTERM');
    expect((await master.exited).code).toBe(143);
    expectStoppedRunRecorded();
  }, 60_000);

  it('tm-spawn reaps the slaves it restarts: after each is killed -9, no zombie is left in the namespace', async () => {
    const master = runBin('tm-master', masterArgs(RECORD, 100_000_000), { cwd: dir.path });
    const spawn = runAsPid1('tm-spawn', [RECORD, '2', '--address', await listening(master), '--threads', '1'], { cwd: dir.path, env: { TM_RECORD: '/dev/null' } });
    const pid1 = await spawn.hostPid();
    await expect.poll(() => spawn.stderr.match(/welcomed by run/g)?.length ?? 0, { timeout: 20_000, interval: 10 }).toBe(2);
    const first = childPids(pid1);
    expect(first).toHaveLength(2);

    for (const pid of first) process.kill(pid, 'SIGKILL');
    await expect.poll(() => spawn.stderr.match(/restarting in \d+ ms/g)?.length ?? 0, { timeout: 20_000, interval: 10 }).toBe(2);
    await expect.poll(() => spawn.stderr.match(/welcomed by run/g)?.length ?? 0, { timeout: 20_000, interval: 10 }).toBe(4);
    const inside = processesInNamespaceOf(pid1);
    expect(inside.filter((p) => p.state === 'Z')).toEqual([]);
    expect(inside.filter((p) => p.ppid === pid1 && first.includes(p.pid))).toEqual([]);
    expect(childPids(pid1).filter((pid) => !first.includes(pid))).toHaveLength(2);
  }, 60_000);
});

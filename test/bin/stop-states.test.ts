/**
 * SIGTERM and SIGINT stop a slave in every state of its connection: before any handshake, refused
 * by a CURVE master (a slave with no keys: a ZMTP mechanism mismatch; a key the master does not
 * list: ZAP 400) with that master alive or gone, reconnecting to a master killed with -9, and
 * running jobs. tm-spawn passes a stop on to slaves in those states. Real keys, real processes,
 * real signals; each test's timeout is the bound on the stop.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_SIZE } from '../../src/protocol/messages.js';
import { FakeMaster } from '../helpers/fake-master.js';
import { processesIn } from '../helpers/orphans.js';
import { FIXTURES, runBin, tempDir, type Proc } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { readRecord } from '../helpers/record.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const UNRULY = join(FIXTURES, 'unruly.ts');
/** Each signal with the exit code tm-slave and tm-spawn give for it (README, `--help`). */
const SIGNALS = [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const;
const MISMATCH = /failed \(ERR_ZMTP_MECHANISM_MISMATCH\): if the master uses CURVE, pass --curve-secret and --server-key/;
const ZAP_REFUSED = /refused our key \S+ \(handshake:error:auth, ZAP 400\)/;

/** A fresh temp dir per test; every process a test starts is killed (-9) after it if still alive. */
const dir = useTestDir();
/** Key files for every test: the master's pair, and a slave pair the master does not list. */
let keys: { dir: ReturnType<typeof tempDir>; masterKey: string; masterPub: string; unlistedKey: string; authorized: string };

beforeAll(async () => {
  const keyDir = tempDir();
  for (const name of ['master', 'listed', 'unlisted']) {
    const keygen = runBin('tm-keygen', ['--out', name], { cwd: keyDir.path });
    expect(await keygen.exited, keygen.stderr).toEqual({ code: 0, signal: null });
  }
  const at = (file: string): string => join(keyDir.path, file);
  keys = { dir: keyDir, masterKey: at('master.key'), masterPub: at('master.pub'), unlistedKey: at('unlisted.key'), authorized: at('listed.pub') };
});

afterAll(() => keys.dir.remove());

let fake: FakeMaster | undefined;
afterEach(() => {
  fake?.close();
  fake = undefined;
});

/** A master on a port of the OS's choosing, with CURVE unless `plain`; resolves with it and its endpoint. */
async function master(options: { plain?: boolean; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<{ master: Proc; endpoint: string }> {
  const curve = options.plain ? [] : ['--curve-secret', keys.masterKey, '--authorized-keys', keys.authorized];
  const args = [...(options.args ?? [RECORD, 'n=100']), '--address', 'tcp://127.0.0.1:*', '--state', join(dir.path, 's.json'), '--no-progress', ...curve];
  const proc = runBin('tm-master', args, { cwd: dir.path, env: options.env });
  const [, endpoint] = await proc.waitFor(/listening on (tcp:\/\/[^\s;]+)/);
  return { master: proc, endpoint: endpoint! };
}

async function kill9(proc: Proc): Promise<void> {
  proc.child.kill('SIGKILL');
  await proc.exited;
}

/** Flags that make a slave's CURVE key one the master does not list. */
const unlisted = (): string[] => ['--curve-secret', keys.unlistedKey, '--server-key', keys.masterPub];

function slave(endpoint: string, flags: string[] = [], options: { module?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
  const args = [options.module ?? RECORD, '--address', endpoint, '--threads', '1', '--log-level', 'debug', ...flags];
  return runBin('tm-slave', args, { cwd: dir.path, env: { TM_RECORD: join(dir.path, 'record.txt'), ...options.env } });
}

/**
 * Resolves once `count` slaves (told apart by pid) that logged `refusal` have tried again after it
 * (a debug line each second): a HELLO then waits in ZeroMQ with no connection to go to.
 */
async function untilRefusedAndRetried(proc: Proc, refusal: RegExp, count: number): Promise<void> {
  const retried = (): number => {
    const pids = new Set<string>();
    const refused = new Set<string>();
    for (const line of proc.stderr.split('\n')) {
      const pid = /^\[slave (\d+)\]/.exec(line)?.[1];
      if (pid === undefined) continue;
      if (line.match(refusal)) refused.add(pid);
      else if (refused.has(pid) && / no answer from \S+ after \d+ s: /.test(line)) pids.add(pid);
    }
    return pids.size;
  };
  try {
    await expect.poll(retried, { timeout: 20_000, interval: 10 }).toBe(count);
  } catch (error) {
    throw new Error(`${(error as Error).message}; the output:\n${proc.stderr}`);
  }
}

/** The exit of `proc`, once its stdout and stderr have ended too (they may end after the exit). */
async function ended(proc: Proc): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exit = await proc.exited;
  for (const stream of [proc.child.stdout!, proc.child.stderr!]) if (!stream.readableEnded) await once(stream, 'end');
  return exit;
}

/** Signals a standalone slave and expects a stop as tm-slave reports it: its code, and its last line. */
async function expectStops(proc: Proc, signal: NodeJS.Signals, code: number): Promise<void> {
  proc.child.kill(signal);
  expect(await ended(proc), proc.stderr).toEqual({ code, signal: null });
  expect(proc.stdout).toMatch(/^tm-slave: \d+ jobs run, 0 failed; stopped\n$/);
}

describe.each(SIGNALS)('tm-slave on %s exits %i', (signal, code) => {
  it('before any handshake: no master listening', async () => {
    const s = slave(`tcp://127.0.0.1:${await reservePort()}`);
    await s.waitFor(/waiting for a master at \S+; still trying/);
    await expectStops(s, signal, code);
  }, 30_000);

  describe.each([
    ['for having no keys (mechanism mismatch)', MISMATCH, false],
    ['for a key it does not list (ZAP 400)', ZAP_REFUSED, true],
  ])('refused by a CURVE master %s', (_, refusal, curve) => {
    it.each([
      ['alive', false],
      ['gone', true],
    ])('the master %s', async (_, gone) => {
      const { master: m, endpoint } = await master();
      const s = slave(endpoint, curve ? unlisted() : []);
      await untilRefusedAndRetried(s, refusal, 1);
      if (gone) await kill9(m);
      await expectStops(s, signal, code);
    }, 30_000);
  });

  it('reconnecting to a master killed with -9 after it welcomed the slave', async () => {
    // The master's generator yields nothing until the file exists: the slave is welcomed, and idle.
    const { master: m, endpoint } = await master({ plain: true, env: { TM_HOLD_UNTIL: join(dir.path, 'never') } });
    const s = slave(endpoint);
    await s.waitFor(/welcomed by run/);
    await kill9(m);
    await expectStops(s, signal, code);
    expect(s.stderr).toMatch(/left without the master's QUIT/);
  }, 30_000);

  it('stopped again while it waits for the QUIT of a master killed with -9: it waits no more', async () => {
    const { master: m, endpoint } = await master({ plain: true, env: { TM_HOLD_UNTIL: join(dir.path, 'never') } });
    const s = slave(endpoint);
    await s.waitFor(/welcomed by run/);
    await kill9(m);
    s.child.kill(signal);
    await s.waitFor(/stopping: 0 unstarted jobs handed back/);
    await expectStops(s, signal, code);
    expect(s.stderr).toMatch(/left without the master's QUIT \(stopped again\)/);
  }, 30_000);

  it('running jobs: they finish and report first', async () => {
    const [started, gate] = [join(dir.path, 'started.txt'), join(dir.path, 'gate')];
    const { master: m, endpoint } = await master({ plain: true, args: [UNRULY, 'n=50'] });
    const s = slave(endpoint, [], { module: UNRULY, env: { TM_STARTED: started, TM_UNRULY_JOBS: '0-1000', TM_UNRULY: 'gate', TM_GATE: gate } });
    await expect.poll(() => readRecord(started).length, { timeout: 20_000, interval: 10 }).toBeGreaterThan(0);
    s.child.kill(signal);
    await s.waitFor(/stopping: \d+ unstarted jobs? handed back; waiting for [1-9]\d* running jobs? to finish/);
    writeFileSync(gate, '');
    expect(await ended(s), s.stderr).toEqual({ code, signal: null });
    expect(s.stdout).toMatch(/^tm-slave: [1-9]\d* jobs run, 0 failed; stopped\n$/);
    expect(s.stderr).toMatch(/left: the master has taken back every job it gave us/);
    expect(m.child.exitCode, 'the master outlives its slave').toBeNull();
  }, 30_000);
});

describe('tm-slave welcomed, then dropped for good by ZeroMQ', () => {
  it.each(SIGNALS)('on %s exits %i: its BYE, which can no longer go, holds it no longer than the linger', async (signal, code) => {
    fake = await FakeMaster.bind();
    const s = slave(fake.endpoint);
    await fake.expect('HELLO');
    await fake.send({ command: 'WELCOME', run: 'run-1', jobTimeout: 0, lease: 60_000, wantResults: false });
    await fake.expect('CREDIT');
    // A frame past the slave's maxMessageSize is a ZMTP protocol error: libzmq drops the
    // connection and never makes another, so every send from then on waits for none.
    const dropped = fake.disconnected();
    await fake.sendRaw([Buffer.alloc(MAX_MESSAGE_SIZE + 1)]);
    await dropped;
    await expectStops(s, signal, code);
    expect(s.stderr).toMatch(/left without the master's QUIT/);
  }, 30_000);
});

describe.each(SIGNALS)('tm-spawn on %s exits %i and stops', (signal, code) => {
  it.each([
    ['with no keys (mechanism mismatch)', MISMATCH, false],
    ['with a key the master does not list (ZAP 400)', ZAP_REFUSED, true],
  ])('slaves refused %s', async (_, refusal, curve) => {
    const { master: m, endpoint } = await master();
    // Its own process group: SIGINT goes to the group, as a Ctrl-C at a terminal would send it.
    const spawn = runBin('tm-spawn', [RECORD, '2', '--address', endpoint, '--threads', '1', '--log-level', 'debug', ...(curve ? unlisted() : [])], { cwd: dir.path, detached: true });
    await untilRefusedAndRetried(spawn, refusal, 2);
    process.kill(signal === 'SIGINT' ? -spawn.child.pid! : spawn.child.pid!, signal);
    expect(await ended(spawn), spawn.stderr).toEqual({ code, signal: null });
    expect(processesIn(dir.path, [m.child.pid!])).toEqual([]);
  }, 30_000);
});

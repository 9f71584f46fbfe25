/**
 * The state lock with masters in containers (test/helpers/containers.ts: pid, UTS and mount
 * namespaces) sharing one state directory, as pods on a volume or hosts on a shared filesystem:
 * a pid-1 master restarted after kill -9, a master on another host refused and then taking over,
 * and a master paused past the stale time that finds its lock gone. After each, every job the
 * state had counted ran once, and the others (in flight at the crash) at most twice. Needs root
 * and unshare: without them these tests are skipped locally, and fail under CI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadLetterPath, logPath } from '../../src/master/state/checkpoint.js';
import type { Ledger } from '../../src/master/state/ledger.js';
import { binPid, container, pid1Unavailable } from '../helpers/containers.js';
import { reservePort } from '../helpers/ports.js';
import { FIXTURES, runBin, type Proc } from '../helpers/processes.js';
import { countLines, range, readRecord, tally } from '../helpers/record.js';
import { readStateFields, recordedLedger } from '../helpers/state.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const JOBS = 150;
/** Jobs a slave holds at once: at most these re-run after a master is lost. */
const CREDIT = 4;
/** Short, so a takeover from another host comes in seconds: 3 heartbeats of 1000 ms. */
const STALE = ['--lock-stale', '3000'];
const unavailable = pid1Unavailable();

if (unavailable !== undefined && !process.env.CI) process.stderr.write(`test/containers: skipped, containers unavailable (${unavailable}); run as root with unshare\n`);

describe.runIf(unavailable !== undefined && process.env.CI)('containers under CI', () => {
  it('are available: CI must run the state lock tests in containers', () => {
    expect.fail(`CI cannot make pid and UTS namespaces (${unavailable}): .ci/run runs as root, with util-linux's unshare`);
  });
});

describe.skipIf(unavailable !== undefined)('the state lock across containers', () => {
  const dir = useTestDir();
  const state = (): string => join(dir.path, 'run.state.json');
  const record = (): string => join(dir.path, 'record.txt');

  function master(host: string, port: number, pid1: boolean, flags: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Proc {
    const args = [RECORD, `n=${JOBS}`, '--address', `tcp://127.0.0.1:${port}`, '--state', state(), '--no-progress', ...flags];
    return runBin('tm-master', args, { cwd: dir.path, env, wrap: container(host, pid1) });
  }

  function slave(port: number): Proc {
    const args = [RECORD, '--address', `tcp://127.0.0.1:${port}`, '--threads', '1', '--max-credit', String(CREDIT)];
    return runBin('tm-slave', args, { cwd: dir.path, env: { TM_RECORD: record(), TM_ASYNC_MS: '10' } });
  }

  /** Resolves with `m` once it listens; rejects with its output if it exits first. */
  const listening = async (m: Proc): Promise<Proc> => (await m.waitFor(/listening on /), m);

  /** Waits until the run is under way: some jobs ran. */
  const underWay = (): Promise<void> => expect.poll(() => countLines(record()), { timeout: 30_000 }).toBeGreaterThanOrEqual(20);

  /**
   * Starts masters on `host` until one listens, as a restart policy would; each refused one must
   * have named the first master's host and said when its lock goes stale.
   */
  async function takeOver(start: () => Proc, holder: string): Promise<{ master: Proc; refusals: number }> {
    for (let refusals = 0; refusals < 40; refusals++) {
      const m = start();
      const ended = await Promise.race([m.waitFor(/listening on /).then(() => undefined), m.exited]);
      if (ended === undefined) return { master: m, refusals };
      expect(ended.code, m.stderr).toBe(2);
      expect(m.stderr).toMatch(new RegExp(`^tm-master: state file .* is in use by another master \\(${holder} pid \\d+, lock .*\\); its heartbeat is [\\d.]+ s old, so it goes stale in [\\d.]+ s \\(--lock-stale 3000\\) if that master is gone\\n$`));
    }
    throw new Error('no master took the lock over in 40 starts');
  }

  /** The run ended finished, every job counted in `counted` ran once, and the others at most twice, no more of them than a slave holds. */
  async function doneOnceEach(m: Proc, counted: Ledger, slaves: number): Promise<void> {
    expect(await m.exited, m.stderr).toEqual({ code: 0, signal: null });
    expect(readStateFields(state())).toMatchObject({ finished: true, ledger: { watermark: JOBS, failed: 0 } });
    const { missing, reran, runs } = tally(readRecord(record()), range(JOBS));
    expect(missing).toEqual([]);
    expect(reran.filter((job) => counted.isFinished(job))).toEqual([]);
    expect(Math.max(...runs.values())).toBeLessThanOrEqual(2);
    expect(reran.length).toBeLessThanOrEqual(CREDIT * slaves);
  }

  it('resumes at once after a pid-1 master is killed with SIGKILL and its container restarted', async () => {
    const port = await reservePort();
    slave(port);
    const first = await listening(master('host-a', port, true));
    await underWay();
    process.kill(binPid(first), 'SIGKILL');
    await first.exited;
    const counted = recordedLedger(state());
    // The same container restarted: pid 1 again, in a new pid namespace.
    const second = await listening(master('host-a', port, true));
    expect(second.stderr).not.toMatch(/in use/);
    await doneOnceEach(second, counted, 1);
  });

  it('refuses a master on another host while the first runs, and lets it take over once the first is killed and its heartbeat stale', async () => {
    const [portA, portB] = [await reservePort(), await reservePort()];
    slave(portA);
    const first = await listening(master('host-a', portA, false, STALE));
    await underWay();
    // Another host has its own address; its own pid 1 and the first master's pid differ.
    const refused = master('host-b', portB, true, STALE);
    const outcome = await Promise.race([refused.waitFor(/listening on /).then(() => 'listening'), refused.exited]);
    expect(outcome, refused.stdout + refused.stderr).toEqual({ code: 2, signal: null });
    expect(refused.stderr).toMatch(/^tm-master: state file .* is in use by another master \(host-a pid \d+, lock .*\); its heartbeat is [\d.]+ s old, so it goes stale in [\d.]+ s/);
    expect(first.child.exitCode).toBe(null);
    process.kill(binPid(first), 'SIGKILL');
    await first.exited;
    const counted = recordedLedger(state());
    const { master: second } = await takeOver(() => master('host-b', portB, true, STALE), 'host-a');
    slave(portB);
    await doneOnceEach(second, counted, 1);
  });

  it('stops a master paused past the stale time, once another took over, with exit 1 and no write', async () => {
    const [portA, portB] = [await reservePort(), await reservePort()];
    const results = ['--results', join(dir.path, 'results.jsonl')];
    slave(portA);
    const first = await listening(master('host-a', portA, true, [...STALE, ...results]));
    await underWay();
    const firstPid = binPid(first);
    process.kill(firstPid, 'SIGSTOP');
    const counted = recordedLedger(state());
    // The new master holds its jobs back and takes no snapshot while the paused one wakes.
    const hold = join(dir.path, 'go');
    const quiet = [...STALE, ...results, '--checkpoint-interval', '600000'];
    const { master: second } = await takeOver(() => master('host-b', portB, true, quiet, { TM_HOLD_UNTIL: hold }), 'host-a');
    const files = [state(), logPath(state()), deadLetterPath(state()), join(dir.path, 'results.jsonl')];
    const before = files.map((file) => readOrNone(file));
    process.kill(firstPid, 'SIGCONT');
    expect(await first.exited, first.stderr).toEqual({ code: 1, signal: null });
    expect(first.stderr).toMatch(/lost lock .*\.lock of state file .*: host-b pid 1 took it over; stopped without writing the state again/);
    expect(files.map((file) => readOrNone(file))).toEqual(before);
    writeFileSync(hold, '');
    slave(portB);
    await doneOnceEach(second, counted, 2);
  });
});

function readOrNone(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The state lock on one machine: what it records, when a lock is free, and fencing. Other hosts
 * are lock files that name one (their heartbeat aged by setting the file's mtime back); the real
 * thing, masters in containers, is test/containers/state-lock.test.ts.
 */
import { readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateError } from '../../../src/common/errors.js';
import { Checkpoint, lockPath, logPath, type RunIdentity } from '../../../src/master/state/checkpoint.js';
import { processStart } from '../../../src/master/state/lock-holder.js';
import { StateLock } from '../../../src/master/state/state-lock.js';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { useTestDir } from '../../helpers/test-dir.js';

const identity: RunIdentity = { module: '/srv/tasks/squares.ts', fn: 'getJobs', args: {} };
const fresh = { cursorMode: undefined, total: undefined, finished: false } as const;
const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

const dir = useTestDir();
const state = (): string => join(dir.path, 'run.state.json');
const opened: { close(): void }[] = [];
afterEach(() => {
  for (const open of opened.splice(0).reverse()) open.close();
});

function open(stale = 30_000): Checkpoint {
  const { checkpoint } = Checkpoint.open(state(), identity, { reset: false, lockStale: stale });
  opened.push(checkpoint);
  return checkpoint;
}

/** The record of a master on host-b, with `holder`'s fields instead. */
const record = (holder: Record<string, unknown> = {}): string => `${JSON.stringify({ host: 'host-b', boot: 'another-boot', pid: 7, start: 100, run: 'b0b0', stale: 30_000, ...holder })}\n`;

/** Leaves a lock as another master would have, its last heartbeat `ageMs` ago. */
function writeLock(holder: Record<string, unknown>, ageMs = 0): void {
  writeFileSync(lockPath(state()), record(holder));
  const at = (Date.now() - ageMs) / 1000;
  utimesSync(lockPath(state()), at, at);
}

/** Another master's takeover: its record renamed over the lock. */
function takeOver(holder: Record<string, unknown> = {}): void {
  writeFileSync(`${lockPath(state())}.b`, record(holder));
  renameSync(`${lockPath(state())}.b`, lockPath(state()));
}

function caught(action: () => unknown): StateError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    return error as StateError;
  }
  throw new Error('expected a StateError');
}

describe('the state lock', () => {
  it('records its holder: host, boot, pid, start time, run and --lock-stale', () => {
    open(9000);
    const holder = JSON.parse(readFileSync(lockPath(state()), 'utf8')) as Record<string, unknown>;
    expect(holder).toEqual({ host: hostname(), boot: BOOT, pid: process.pid, start: processStart(process.pid), run: expect.stringMatching(/^[0-9a-f]{16}$/) as string, stale: 9000 });
  });

  it('refuses a lock of another host while its heartbeat is fresh, naming the holder and when it goes stale', () => {
    writeLock({}, 10_000);
    const error = caught(() => open());
    expect(error.code).toBe('E_STATE');
    expect(error.message).toMatch(/^state file .* is in use by another master \(host-b pid 7, lock .*\.lock\); its heartbeat is (9\.\d|10\.\d) s old, so it goes stale in (19\.\d|20\.\d) s \(--lock-stale 30000\) if that master is gone$/);
  });

  it('takes over a lock of another host once its heartbeat is older than --lock-stale, or the holder\'s own if longer', () => {
    writeLock({ stale: 60_000 }, 31_000);
    expect(caught(() => open()).message).toMatch(/goes stale in (28|29)\.\d s \(--lock-stale 60000\)/);
    writeLock({}, 31_000);
    open();
    expect(JSON.parse(readFileSync(lockPath(state()), 'utf8'))).toMatchObject({ host: hostname(), pid: process.pid });
  });

  it('takes over at once a lock of this host and boot whose pid now belongs to another process (a container restarted)', () => {
    writeLock({ host: hostname(), boot: BOOT, pid: process.pid, start: processStart(process.pid)! - 1 });
    open();
    expect(JSON.parse(readFileSync(lockPath(state()), 'utf8'))).toMatchObject({ pid: process.pid, start: processStart(process.pid) });
  });

  it('refuses a lock it cannot read, in one line naming it', () => {
    writeFileSync(lockPath(state()), '{"host": 3}\n');
    expect(caught(() => open()).message).toBe(`lock ${lockPath(state())} of state file ${state()} holds no holder this master can read ("{\\"host\\": 3}\\n"); remove it if no master is running`);
  });

  it('fences: once another master took the lock over, no append, snapshot or dead letter is written, and the new lock stays', () => {
    const checkpoint = open();
    checkpoint.append([{ seq: 0 }]);
    const before = [readFileSync(state(), 'utf8'), readFileSync(logPath(state()), 'utf8')];
    takeOver();
    const lost = /^lost lock .*\.lock of state file .*: host-b pid 7 took it over; stopped without writing the state again$/;
    expect(caught(() => checkpoint.append([{ seq: 1 }]))).toMatchObject({ code: 'E_STATE_LOCK_LOST', message: expect.stringMatching(lost) as string });
    expect(() => checkpoint.snapshot({ watermark: 2, doneAbove: [], failed: 0 }, fresh)).toThrow(lost);
    expect(() => checkpoint.deadLetter({ seq: 1, job: 1, attempts: 1, error: { message: 'x' } })).toThrow(lost);
    expect([readFileSync(state(), 'utf8'), readFileSync(logPath(state()), 'utf8')]).toEqual(before);
    checkpoint.close();
    expect(JSON.parse(readFileSync(lockPath(state()), 'utf8'))).toMatchObject({ host: 'host-b' });
  });

  it('keeps its heartbeat fresh, and reports a takeover it finds to its listener', async () => {
    const lock = StateLock.acquire(state(), 3000);
    opened.push({ close: () => lock.release() });
    const first = statSync(lock.path).mtimeMs;
    await expect.poll(() => statSync(lock.path).mtimeMs, { timeout: 10_000 }).toBeGreaterThan(first);
    const lost = new Promise<StateError>((resolve) => lock.onLost(resolve));
    takeOver({ pid: 9 });
    expect((await lost).message).toMatch(/: host-b pid 9 took it over;/);
    expect(() => lock.fence()).toThrow(/host-b pid 9 took it over/);
  });

  it('refuses a --lock-stale shorter than 3 heartbeats of 1000 ms, in one usage line', async () => {
    const master = runBin('tm-master', [join(FIXTURES, 'record.ts'), '--lock-stale', '2999', '--state', state()], { cwd: dir.path });
    expect(await master.exited).toEqual({ code: 2, signal: null });
    expect(master.stderr).toBe('tm-master: Expected `--lock-stale` to be an integer >= 3000 (ms: 3 heartbeats of at least 1000 ms), got `2999`\n');
  });
});

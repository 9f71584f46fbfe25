import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockPath, logPath } from '../../../src/master/state/checkpoint.js';
import { readState } from '../../../src/master/state/state-file.js';
import { FIXTURES, killAll, runBin, tempDir, type Proc } from '../../helpers/processes.js';
import { reservePort } from '../../helpers/ports.js';
import { range, readRecord, tally } from '../../helpers/record.js';
import { readStateFields, recordedLedger } from '../../helpers/state.js';

const FLAKY = join(FIXTURES, 'flaky.ts');
const JOBS = 300;
/** The generator waits before this job for the release file, so the run is mid-way when the disk fills. */
const HOLD_FROM = 100;

let dir: ReturnType<typeof tempDir>;
let mounted: string[];

beforeEach(() => {
  dir = tempDir();
  mounted = [];
});

afterEach(async () => {
  // Processes first: a file open on a tmpfs keeps it busy.
  await killAll();
  for (const mount of mounted.reverse()) execFileSync('umount', [mount]);
  dir.remove();
});

/** A 64 KiB tmpfs at `<temp dir>/<name>`, unmounted after the test. */
function smallDisk(name: string): string {
  const path = join(dir.path, name);
  mkdirSync(path);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', path]);
  mounted.push(path);
  return path;
}

/** Writes to `path` until the disk it is on is full. */
function fillDisk(path: string): void {
  expect(() => writeFileSync(path, Buffer.alloc(1024 * 1024))).toThrow(/ENOSPC/);
}

/** Appends to `path` whatever space has come free on its disk since it was filled. */
function takeFreedSpace(path: string): void {
  try {
    for (;;) appendFileSync(path, Buffer.alloc(4096));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
}

/** A finished run's state file in the temp dir. */
async function finishedState(): Promise<string> {
  const state = join(dir.path, 'run.state.json');
  const run = runBin('tm-run', [FLAKY, '1', 'n=50', '--threads', '1', '--state', state, '--no-progress'], {
    cwd: dir.path,
    env: { TM_RECORD: join(dir.path, 'record.txt') },
  });
  expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
  return state;
}

describe('a state file tm-master cannot trust', () => {
  const breakages: Array<[string, (good: string) => string, RegExp]> = [
    ['truncated', (good) => good.slice(0, good.length / 2), /is corrupt \(truncated or not JSON/],
    ['garbled', (good) => good.replace('"watermark":50', '"watermark":49'), /is corrupt \(checksum mismatch\)/],
    ['of another format version', (good) => good.replace('"version": 1', '"version": 7'), /has format version 7; this taskmaster reads version 1/],
  ];

  it.each(breakages)('is refused when %s: one line naming it and --reset, exit 2, the file untouched', async (_, breakIt, problem) => {
    const state = await finishedState();
    const broken = breakIt(readFileSync(state, 'utf8'));
    expect(broken).not.toBe(readFileSync(state, 'utf8'));
    writeFileSync(state, broken);
    const before = readdirSync(dir.path).sort();

    const master = runBin('tm-master', [FLAKY, 'n=50', '--address', 'tcp://127.0.0.1:*', '--state', state, '--no-progress'], { cwd: dir.path });

    expect(await master.exited).toEqual({ code: 2, signal: null });
    expect(master.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(master.stderr).toContain(`tm-master: state file ${state} `);
    expect(master.stderr).toMatch(problem);
    expect(master.stderr).toMatch(/move it away or pass --reset to start over\n$/);
    expect(master.stderr).not.toMatch(/listening/);
    expect(readFileSync(state, 'utf8')).toBe(broken);
    expect(readdirSync(dir.path).sort()).toEqual(before);
    expect(existsSync(lockPath(state))).toBe(false);
  });

  it('is refused with --retry-failed too', async () => {
    const state = await finishedState();
    const broken = readFileSync(state, 'utf8').replace('"finished": true', '"finished": false');
    writeFileSync(state, broken);

    const master = runBin('tm-master', [FLAKY, 'n=50', '--retry-failed', '--address', 'tcp://127.0.0.1:*', '--state', state, '--no-progress'], { cwd: dir.path });

    expect(await master.exited).toEqual({ code: 2, signal: null });
    expect(master.stderr).toMatch(new RegExp(`^tm-master: state file ${state} is corrupt \\(checksum mismatch\\).*--reset to start over\\n$`));
    expect(readFileSync(state, 'utf8')).toBe(broken);
  });
});

describe('a state that cannot be written while the master runs', () => {
  /** A master on `state` and one single-thread slave, with the flaky fixture holding jobs >= HOLD_FROM. */
  async function start(state: string, interval: number, env: NodeJS.ProcessEnv): Promise<{ master: Proc; slave: Proc }> {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [FLAKY, `n=${JOBS}`, '--address', address, '--state', state, '--checkpoint-interval', String(interval), '--no-progress'], {
      cwd: dir.path,
      env,
    });
    await master.waitFor(/listening on/);
    const slave = runBin('tm-slave', [FLAKY, '--address', address, '--threads', '1'], { cwd: dir.path, env });
    return { master, slave };
  }

  /** What a master that failed to write must have said: one line, naming the file and the cause, as its log said it when it happened. */
  function expectOneWriteError(master: Proc, file: RegExp): void {
    const errors = master.stderr.split('\n').filter((line) => line.startsWith('[master] error:'));
    expect(errors, master.stderr).toHaveLength(1);
    expect(master.stderr.split('\n').filter((line) => line.includes('ENOSPC')), 'the error said more than once').toHaveLength(1);
    expect(errors[0]).toMatch(file);
    expect(errors[0]).toMatch(/ENOSPC.*stopped, keeping the last good checkpoint: run again to resume once the state can be written$/);
    expect(master.stdout).toMatch(/^tm-master: failed: /);
  }

  /** Frees the disk, restarts master and slave on the same state, and checks that no job is lost. */
  async function resumeAndFinish(state: string, filler: string, env: NodeJS.ProcessEnv): Promise<void> {
    const heard = recordedLedger(state);
    rmSync(filler);
    writeFileSync(env.TM_RELEASE!, '');
    const { master, slave } = await start(state, 1000, env);
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(master.stderr).toMatch(/resuming at seq \d+/);
    // A master with nothing left to run may end before the slave connects, so no QUIT reaches it.
    slave.child.kill('SIGKILL');
    await slave.exited;
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS, failed: 0, doneAbove: [] } });
    const { missing, reran } = tally(readRecord(env.TM_RECORD!), range(JOBS));
    expect(missing).toEqual([]);
    // Jobs the failed master had recorded never ran again: only the unrecorded ones did.
    expect(reran.filter((job) => heard.isFinished(job))).toEqual([]);
  }

  it('when a snapshot hits a full disk: exits 1 with one line, keeps the last good snapshot, and resumes', async () => {
    const disk = smallDisk('disk');
    const state = join(disk, 'run.state.json');
    const env = { TM_RECORD: join(dir.path, 'record.txt'), TM_HOLD_FROM: String(HOLD_FROM), TM_RELEASE: join(dir.path, 'release') };
    const { master, slave } = await start(state, 20, env);
    // Every job below HOLD_FROM recorded, those above held: the ledger stands still.
    await expect.poll(() => recordedLedger(state).watermark, { timeout: 30_000, interval: 10 }).toBe(HOLD_FROM);
    const identity = readStateFields(state).identity;
    const before = recordedLedger(state).snapshot();
    expect(before).toMatchObject({ watermark: HOLD_FROM, doneAbove: [], failed: 0 });

    const filler = join(disk, 'filler');
    fillDisk(filler);
    // A snapshot replaces the old one, so each frees a page as it lands: keep taking it until one fails.
    await expect.poll(() => (takeFreedSpace(filler), master.child.exitCode), { timeout: 30_000, interval: 5 }).toBe(1);

    expect(await master.exited).toEqual({ code: 1, signal: null });
    expectOneWriteError(master, new RegExp(`^\\[master\\] error: could not write state file ${state}: ENOSPC`));
    // The last good snapshot is in place and whole, and with its log holds what was recorded before the disk filled.
    expect(readState(state, identity)).toMatchObject({ finished: false });
    expect(readFileSync(logPath(state), 'utf8')).toMatch(/^(.+\n)*$/);
    expect(recordedLedger(state).snapshot()).toEqual(before);
    expect(readdirSync(disk).sort()).toEqual(['filler', 'run.state.json', 'run.state.json.log']);
    // The master did not tell the slave to quit: it waits for a master to resume the run.
    expect(slave.child.exitCode).toBeNull();
    slave.child.kill('SIGKILL');
    await slave.exited;

    await resumeAndFinish(state, filler, env);
  });

  it('when a completion hits a full disk: exits 1 with one line, the snapshot and the log stay as they were, and it resumes', async () => {
    const disk = smallDisk('disk');
    const state = join(disk, 'run.state.json');
    // Held before the first job: the log is empty, so the first completion needs a page of the disk.
    const env = { TM_RECORD: join(dir.path, 'record.txt'), TM_HOLD_FROM: '0', TM_RELEASE: join(dir.path, 'release') };
    const { master, slave } = await start(state, 600_000, env);
    const snapshot = readFileSync(state);
    expect(readFileSync(logPath(state), 'utf8')).toBe('');

    const filler = join(disk, 'filler');
    fillDisk(filler);
    writeFileSync(env.TM_RELEASE, '');

    expect(await master.exited).toEqual({ code: 1, signal: null });
    expectOneWriteError(master, new RegExp(`^\\[master\\] error: could not append to state log ${logPath(state)}: ENOSPC`));
    expect(readFileSync(state)).toEqual(snapshot);
    // Whatever part of the line was written is cut off again.
    expect(readFileSync(logPath(state), 'utf8')).toBe('');
    expect(readdirSync(disk).sort()).toEqual(['filler', 'run.state.json', 'run.state.json.log']);
    expect(slave.child.exitCode).toBeNull();
    slave.child.kill('SIGKILL');
    await slave.exited;

    await resumeAndFinish(state, filler, env);
  });

  it('when the final snapshot hits a full disk: exits 1, not 0, with one line, and the log still has every completion', async () => {
    const disk = smallDisk('disk');
    const state = join(disk, 'run.state.json');
    const env = { TM_RECORD: join(dir.path, 'record.txt'), TM_HOLD_FROM: String(HOLD_FROM), TM_RELEASE: join(dir.path, 'release') };
    // No snapshot between the one at start and the final one: completions only go to the log,
    // whose page has room for the few lines of this run.
    const { master, slave } = await start(state, 600_000, env);
    const snapshot = readFileSync(state);
    await expect.poll(() => recordedLedger(state).watermark, { timeout: 30_000, interval: 10 }).toBe(HOLD_FROM);

    const filler = join(disk, 'filler');
    fillDisk(filler);
    writeFileSync(env.TM_RELEASE, '');

    expect(await master.exited).toEqual({ code: 1, signal: null });
    expectOneWriteError(master, new RegExp(`^\\[master\\] error: could not write state file ${state}: ENOSPC`));
    expect(readFileSync(state)).toEqual(snapshot);
    expect(readFileSync(logPath(state), 'utf8')).toMatch(/^(.+\n)+$/);
    expect(recordedLedger(state).snapshot()).toEqual({ watermark: JOBS, lastCursor: undefined, doneAbove: [], failed: 0 });
    expect(readdirSync(disk).sort()).toEqual(['filler', 'run.state.json', 'run.state.json.log']);
    slave.child.kill('SIGKILL');
    await slave.exited;

    await resumeAndFinish(state, filler, env);
  });
});

describe('a state directory that is read-only', () => {
  it('stops tm-master at start with one line and exit 1, writing nothing', async () => {
    const disk = smallDisk('disk');
    const state = join(disk, 'run.state.json');
    execFileSync('mount', ['-o', 'remount,ro', disk]);

    const master = runBin('tm-master', [FLAKY, 'n=50', '--address', 'tcp://127.0.0.1:*', '--state', state, '--no-progress'], { cwd: dir.path });

    expect(await master.exited).toEqual({ code: 1, signal: null });
    expect(master.stderr).toMatch(new RegExp(`^tm-master: could not create lock ${lockPath(state)}: EROFS[^\\n]*\\n$`));
    expect(readdirSync(disk)).toEqual([]);
  });
});

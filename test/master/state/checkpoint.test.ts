import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../../src/common/errors.js';
import {
  Checkpoint,
  deadLetterPath,
  lockPath,
  logPath,
  readDeadLetters,
  retryStatePath,
  rewriteDeadLetters,
  type RunIdentity,
} from '../../../src/master/state/checkpoint.js';
import { CompletionLog, encodeBatch } from '../../../src/master/state/completion-log.js';
import type { LedgerSnapshot } from '../../../src/master/state/ledger.js';
import { encodeState } from '../../../src/master/state/state-file.js';

const identity: RunIdentity = { module: '/srv/tasks/squares.ts', fn: 'getJobs', args: { n: '100', table: 'users' } };
const fresh = { cursorMode: undefined, total: undefined, finished: false } as const;
const checkpointModule = fileURLToPath(new URL('../../../src/master/state/checkpoint.ts', import.meta.url));

let dir: string;
let path: string;
let opened: Checkpoint[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tm-checkpoint-'));
  path = join(dir, 'state', 'run.state.json');
  opened = [];
});

afterEach(() => {
  // Newest first: an abandoned checkpoint closed after its successor finds the lock gone.
  for (const checkpoint of opened.reverse()) checkpoint.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options = { reset: false }, id = identity): ReturnType<typeof Checkpoint.open> {
  const result = Checkpoint.open(path, id, options);
  opened.push(result.checkpoint);
  return result;
}

/** What a killed master leaves: files as they are, and a lock whose owner is gone. */
function abandon(): void {
  rmSync(lockPath(path), { force: true });
}

/** The holder the lock records. */
function lockHolder(): { pid: number } {
  return JSON.parse(readFileSync(lockPath(path), 'utf8')) as { pid: number };
}

function expectStateError(action: () => unknown, code: 'E_STATE' | 'E_STATE_WRITE', message: RegExp): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StateError);
  expect((caught as StateError).code).toBe(code);
  expect((caught as StateError).message).toMatch(message);
}

/** Runs `code` (an ES module that can import the checkpoint) in a child node; resolves when it exits. */
async function runChild(code: string, ...args: string[]): Promise<{ pid: number; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { pid: child.pid!, signal, stderr };
}

describe('Checkpoint.open', () => {
  it('starts fresh with no state, then finds the empty state it wrote', () => {
    const first = open();
    expect(first.state).toBeUndefined();
    first.checkpoint.close();
    expect(open().state).toEqual({ ledger: { watermark: 0, doneAbove: [], failed: 0 }, ...fresh });
  });

  it('resumes from appended completions after a kill, with no snapshot or close', () => {
    const { checkpoint } = open();
    checkpoint.append([{ seq: 1, cursor: 'b' }, { seq: 0, cursor: 'a' }, { seq: 4, cursor: 'e', failed: true }]);
    checkpoint.append([{ seq: 5, cursor: 'f' }, { seq: 6, cursor: 'g' }]);
    abandon();
    expect(open().state?.ledger).toEqual({
      watermark: 2,
      lastCursor: 'b',
      doneAbove: [{ start: 4, end: 6, cursor: 'g' }],
      failed: 1,
    });
  });

  it('resumes after a child master is killed with SIGKILL, taking over its stale lock', async () => {
    const code = `
      import { Checkpoint } from ${JSON.stringify(checkpointModule)};
      const { checkpoint } = Checkpoint.open(process.argv[1], JSON.parse(process.argv[2]), { reset: false });
      checkpoint.append([{ seq: 0, cursor: 'a' }, { seq: 1, cursor: 'b' }]);
      checkpoint.append([{ seq: 3, cursor: 'd', failed: true }]);
      process.kill(process.pid, 'SIGKILL');`;
    const child = await runChild(code, path, JSON.stringify(identity));
    expect(child.stderr).toBe('');
    expect(child.signal).toBe('SIGKILL');
    expect(lockHolder().pid).toBe(child.pid);
    expect(open().state?.ledger).toEqual({ watermark: 2, lastCursor: 'b', doneAbove: [{ start: 3, end: 3, cursor: 'd' }], failed: 1 });
    expect(lockHolder().pid).toBe(process.pid);
  });

  it('ignores a torn last log line, and later appends still replay', () => {
    const { checkpoint } = open();
    checkpoint.append([{ seq: 0 }]);
    checkpoint.append([{ seq: 1 }, { seq: 2 }]);
    abandon();
    const log = readFileSync(logPath(path));
    writeFileSync(logPath(path), log.subarray(0, log.length - 5));
    const second = open();
    expect(second.state?.ledger.watermark).toBe(1);
    second.checkpoint.append([{ seq: 7 }]);
    abandon();
    expect(open().state?.ledger).toEqual({ watermark: 1, doneAbove: [{ start: 7, end: 7 }], failed: 0 });
  });

  it('refuses a log with a corrupt line before the last', () => {
    const { checkpoint } = open();
    for (const seq of [10, 20, 30]) checkpoint.append([{ seq }]);
    abandon();
    const lines = readFileSync(logPath(path), 'utf8').split('\n');
    lines[1] = lines[1]!.replace('20', '21');
    writeFileSync(logPath(path), lines.join('\n'));
    expectStateError(() => open(), 'E_STATE', /state log .*run\.state\.json\.log is corrupt at line 2 \(checksum mismatch\).*--reset/);
  });

  it('ignores a garbled last log line that kept its newline', () => {
    const { checkpoint } = open();
    for (const seq of [0, 1]) checkpoint.append([{ seq }]);
    abandon();
    writeFileSync(logPath(path), readFileSync(logPath(path), 'utf8').replace(/\[\[1,1,0\]\]\n$/, '[[1,1,0]\n'));
    expect(open().state?.ledger.watermark).toBe(1);
  });

  it('refuses a garbled line followed by a torn one', () => {
    const { checkpoint } = open();
    for (const seq of [0, 1]) checkpoint.append([{ seq }]);
    abandon();
    writeFileSync(logPath(path), `${readFileSync(logPath(path), 'utf8').replace('[[1,1,0]]', '[[1,9,0]]')}0123`);
    expectStateError(() => open(), 'E_STATE', /corrupt at line 2/);
  });

  it('refuses a log whose snapshot is missing', () => {
    mkdirSync(join(dir, 'state'));
    writeFileSync(logPath(path), encodeBatch([{ seq: 0 }]));
    expectStateError(() => open(), 'E_STATE', /has completions but state file .* is missing/);
  });

  it('replays the old log harmlessly when killed between the snapshot rename and the log truncation', () => {
    const { checkpoint } = open();
    checkpoint.append([{ seq: 0 }, { seq: 2, failed: true }]);
    const oldLog = readFileSync(logPath(path));
    checkpoint.snapshot({ watermark: 1, doneAbove: [{ start: 2, end: 2 }], failed: 1 }, fresh);
    expect(statSync(logPath(path)).size).toBe(0);
    writeFileSync(logPath(path), oldLog);
    checkpoint.append([{ seq: 1 }]);
    abandon();
    expect(open().state?.ledger).toEqual({ watermark: 3, doneAbove: [], failed: 1 });
  });
});

describe('Checkpoint.snapshot', () => {
  const ledger: LedgerSnapshot = { watermark: 10, lastCursor: { id: 9 }, doneAbove: [{ start: 12, end: 15, cursor: { id: 15 } }, { start: 20, end: 20, cursor: null }], failed: 2 };

  it('round-trips the ledger and run facts through a readable, checksummed file', () => {
    const { checkpoint } = open();
    checkpoint.append([{ seq: 0 }]);
    checkpoint.snapshot(ledger, { cursorMode: 'key', total: 100, finished: false });
    expect(statSync(logPath(path)).size).toBe(0);
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(file).toMatchObject({ format: 'taskmaster-state', version: 1, identity, cursorMode: 'key', total: 100, finished: false });
    expect(file.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    checkpoint.close();
    expect(open().state).toEqual({ ledger, cursorMode: 'key', total: 100, finished: false });
  });

  it('keeps the previous snapshot byte-identical when the tmp file cannot be written', () => {
    const { checkpoint } = open();
    checkpoint.snapshot(ledger, fresh);
    const good = readFileSync(path);
    checkpoint.append([{ seq: 10 }]);
    mkdirSync(`${path}.tmp`);
    expectStateError(() => checkpoint.snapshot({ ...ledger, watermark: 11 }, fresh), 'E_STATE_WRITE', /could not write state file .*run\.state\.json: EISDIR/);
    expect(readFileSync(path)).toEqual(good);
    expect(statSync(`${path}.tmp`).isDirectory()).toBe(true);
    // The log was not emptied: the completion it holds is not lost.
    rmSync(`${path}.tmp`, { recursive: true });
    abandon();
    expect(open().state?.ledger.watermark).toBe(11);
  });

  it('keeps the previous snapshot and removes the tmp file when the disk is full', () => {
    const { checkpoint } = open();
    checkpoint.snapshot(ledger, fresh);
    const good = readFileSync(path);
    symlinkSync('/dev/full', `${path}.tmp`);
    let caught: unknown;
    try {
      checkpoint.snapshot({ ...ledger, watermark: 11 }, fresh);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ name: 'StateError', code: 'E_STATE_WRITE', cause: { code: 'ENOSPC' } });
    expect(readFileSync(path)).toEqual(good);
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it('throws E_STATE_WRITE when a log append fails', () => {
    const log = new CompletionLog('/dev/full');
    expectStateError(() => log.append([{ seq: 1 }]), 'E_STATE_WRITE', /could not append to state log \/dev\/full: ENOSPC/);
    log.close();
  });
});

describe('Checkpoint.open refuses a state it cannot trust, leaving it untouched', () => {
  function writeGoodState(): Buffer {
    const { checkpoint } = open();
    checkpoint.snapshot({ watermark: 5, doneAbove: [], failed: 0 }, fresh);
    checkpoint.close();
    return readFileSync(path);
  }

  it('refuses a garbled snapshot', () => {
    const good = writeGoodState();
    const garbled = good.toString().replace('"watermark":5', '"watermark":6');
    expect(garbled).not.toBe(good.toString());
    writeFileSync(path, garbled);
    expectStateError(() => open(), 'E_STATE', /state file .*run\.state\.json is corrupt \(checksum mismatch\); move it away or pass --reset/);
    expect(readFileSync(path, 'utf8')).toBe(garbled);
  });

  it('refuses a truncated snapshot', () => {
    const good = writeGoodState();
    writeFileSync(path, good.subarray(0, 40));
    expectStateError(() => open(), 'E_STATE', /is corrupt \(truncated or not JSON.*--reset/);
    expect(readFileSync(path)).toEqual(good.subarray(0, 40));
  });

  it('refuses a snapshot of another format version', () => {
    writeFileSync(path, writeGoodState().toString().replace('"version": 1', '"version": 2'));
    expectStateError(() => open(), 'E_STATE', /has format version 2; this taskmaster reads version 1.*--reset/);
  });

  it('refuses a snapshot of another run', () => {
    const good = writeGoodState();
    expectStateError(() => open({ reset: false }, { ...identity, args: { n: '200', table: 'users' } }), 'E_STATE', /belongs to a run of .*n=100.*; this run is .*n=200.*: pass --state with another file for it, or --reset/);
    expect(readFileSync(path)).toEqual(good);
  });

  it('refuses, naming both plainly, a snapshot of a run with another handler or results file, and leaves it as it was', () => {
    const mine = { ...identity, handler: '/srv/a.ts', results: '/srv/a.jsonl' };
    const { checkpoint } = open({ reset: false }, mine);
    checkpoint.close();
    const good = readFileSync(path);
    expectStateError(
      () => open({ reset: false }, { ...identity, handler: '/srv/other.ts', results: '/srv/other.jsonl' }),
      'E_STATE',
      /belongs to a run of \S+ n=100 table=users \(handler \/srv\/a\.ts, writing \/srv\/a\.jsonl\); this run is \S+ n=100 table=users \(handler \/srv\/other\.ts, writing \/srv\/other\.jsonl\): pass --state with another file for it, or --reset/,
    );
    expect(readFileSync(path)).toEqual(good);
  });

  it('resumes a state that names no handler or output files (an older version’s, or tm-master’s) with them', () => {
    writeGoodState();
    const { state, checkpoint } = open({ reset: false }, { ...identity, handler: '/srv/a.ts', results: '/srv/a.jsonl' });
    checkpoint.close();
    expect(state?.ledger.watermark).toBe(5);
  });

  it('refuses a checksummed snapshot whose ledger is not well formed', () => {
    writeGoodState();
    writeFileSync(path, encodeState(identity, { watermark: 5, doneAbove: [{ start: 3, end: 4 }], failed: 0 }, fresh));
    expectStateError(() => open(), 'E_STATE', /is corrupt \(ledger\.doneAbove\[0\] start must be an integer >= 6/);
  });
});

describe('the state lock', () => {
  it('refuses a second master while the first holds the state', () => {
    const { checkpoint } = open();
    expectStateError(() => open(), 'E_STATE', new RegExp(`in use by another master \\(${hostname()} pid ${process.pid}`));
    checkpoint.close();
    expect(existsSync(lockPath(path))).toBe(false);
    expect(open().state).toBeDefined();
  });

  it('takes over a lock whose process has exited', async () => {
    const child = await runChild('');
    mkdirSync(join(dir, 'state'));
    writeFileSync(lockPath(path), `${child.pid}\n`);
    expect(open().state).toBeUndefined();
    expect(lockHolder().pid).toBe(process.pid);
  });
});

describe('dead letters', () => {
  it('round-trip exact BigInt, Map, Buffer and Date jobs, the last record of a seq winning', () => {
    const job = { id: 2n ** 70n, tags: new Map<unknown, unknown>([['a', 1], [2, 'b']]), bytes: Buffer.from([0, 1, 255]), when: new Date(0) };
    const { checkpoint } = open();
    checkpoint.deadLetter({ seq: 7, cursor: 'k7', job, attempts: 3, error: { message: 'boom', name: 'TypeError', stack: 'TypeError: boom' }, slave: 'host-a:3312' });
    checkpoint.deadLetter({ seq: 3, job: 'first', attempts: 1, error: { message: 'x' } });
    checkpoint.deadLetter({ seq: 3, job: 'second', attempts: 2, error: { message: 'y' } });
    const records = readDeadLetters(deadLetterPath(path));
    expect(records.map((r) => [r.seq, r.job])).toEqual([[3, 'second'], [7, job]]);
    expect(records[1]).toEqual({
      seq: 7,
      cursor: 'k7',
      job,
      attempts: 3,
      error: { message: 'boom', name: 'TypeError', stack: 'TypeError: boom' },
      slave: 'host-a:3312',
      at: expect.stringMatching(/Z$/) as string,
    });
    expect(Buffer.isBuffer((records[1]!.job as typeof job).bytes)).toBe(true);
    const line = JSON.parse(readFileSync(deadLetterPath(path), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(line.job).toEqual({ id: '1180591620717411303424', tags: [['a', 1], [2, 'b']], bytes: { base64: 'AAH/' }, when: '1970-01-01T00:00:00.000Z' });
    expect(line.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('ignore a torn last record, and a later run appends cleanly after it', () => {
    const { checkpoint } = open();
    checkpoint.deadLetter({ seq: 1, job: 1, attempts: 1, error: { message: 'x' } });
    checkpoint.close();
    writeFileSync(deadLetterPath(path), '{"seq":2,"job"', { flag: 'a' });
    expect(readDeadLetters(deadLetterPath(path)).map((r) => r.seq)).toEqual([1]);
    open().checkpoint.deadLetter({ seq: 3, job: 3, attempts: 1, error: { message: 'y' } });
    expect(readDeadLetters(deadLetterPath(path)).map((r) => r.seq)).toEqual([1, 3]);
  });

  it('are rewritten whole, each keeping the time it failed, and never half-written on a full disk', () => {
    const { checkpoint } = open();
    for (const seq of [1, 2, 3]) checkpoint.deadLetter({ seq, job: { seq }, attempts: 1, error: { message: `x${seq}` } });
    const [first, , third] = readDeadLetters(deadLetterPath(path));
    rewriteDeadLetters(deadLetterPath(path), [first!, { ...third!, attempts: 4 }]);
    expect(readDeadLetters(deadLetterPath(path))).toEqual([first, { ...third, attempts: 4 }]);
    const good = readFileSync(deadLetterPath(path));
    symlinkSync('/dev/full', `${deadLetterPath(path)}.next.tmp`);
    expectStateError(() => rewriteDeadLetters(deadLetterPath(path), [first!]), 'E_STATE_WRITE', /could not rewrite dead-letter file .*: ENOSPC/);
    expect(readFileSync(deadLetterPath(path))).toEqual(good);
  });
});

describe('reset', () => {
  it('removes the old snapshot, log and dead-letter file', () => {
    const { checkpoint } = open();
    checkpoint.snapshot({ watermark: 50, doneAbove: [], failed: 1 }, { cursorMode: 'seq', total: 100, finished: false });
    checkpoint.deadLetter({ seq: 3, job: 3, attempts: 1, error: { message: 'x' } });
    checkpoint.append([{ seq: 50 }]);
    checkpoint.close();
    expect(open({ reset: true }).state).toBeUndefined();
    expect(existsSync(deadLetterPath(path))).toBe(false);
    expect(statSync(logPath(path)).size).toBe(0);
  });

  it('removes the files of a --retry-failed run of the state too', () => {
    open().checkpoint.close();
    const retry = Checkpoint.open(retryStatePath(path), { ...identity, fn: 'getJobs --retry-failed' }, { reset: true }).checkpoint;
    retry.deadLetter({ seq: 0, job: 3, attempts: 1, error: { message: 'x' } });
    retry.close();
    expect(existsSync(retryStatePath(path))).toBe(true);
    open({ reset: true });
    expect(readdirSync(dirname(path)).filter((name) => name.includes('retry'))).toEqual([]);
  });
});

describe('state paths', () => {
  it('puts the dead-letter file beside the state', () => {
    expect(deadLetterPath('/work/.taskmaster/squares-getJobs-0badc0de.state.json')).toBe('/work/.taskmaster/squares-getJobs-0badc0de.dead-letter.jsonl');
  });
});

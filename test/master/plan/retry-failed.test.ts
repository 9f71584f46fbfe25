import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadLetterPath, readDeadLetters, retryStatePath } from '../../../src/master/state/checkpoint.js';
import { encodeState } from '../../../src/master/state/state-file.js';
import { FIXTURES, killAll, runBin, tempDir, type Proc } from '../../helpers/processes.js';
import { reservePort } from '../../helpers/ports.js';
import { readRecord, type RecordLine } from '../../helpers/record.js';
import { readJsonl } from '../../helpers/outputs.js';
import { readStateFields, recordedLedger } from '../../helpers/state.js';

const FLAKY = join(FIXTURES, 'flaky.ts');
/** One retry, 1 ms apart: each failing job runs twice per run. */
const RETRY_FLAGS = ['--retries', '1', '--retry-backoff', '1', '--no-progress'];

let dir: ReturnType<typeof tempDir>;
let state: string;
let record: string;
let failing: string;

beforeEach(() => {
  dir = tempDir();
  state = join(dir.path, 'run.state.json');
  record = join(dir.path, 'record.txt');
  failing = join(dir.path, 'failing.txt');
});

afterEach(async () => {
  await killAll();
  dir.remove();
});

/** Makes exactly `jobs` fail from now on. */
function failOnly(jobs: readonly number[]): void {
  writeFileSync(failing, jobs.map((job) => `${job}\n`).join(''));
}

/** tm-run with one single-thread slave on the flaky fixture; `words` are the args and flags. */
function run(words: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  return runBin('tm-run', [FLAKY, '1', ...words, '--threads', '1', '--state', state, ...RETRY_FLAGS], {
    cwd: dir.path,
    env: { TM_RECORD: record, TM_FAILING: failing, ...env },
  });
}

/** A whole run of `n` jobs in which `failingJobs` fail: it ends with them dead-lettered, exit 1. */
async function runWithFailures(args: readonly string[], failingJobs: readonly number[]): Promise<void> {
  failOnly(failingJobs);
  const first = run(args);
  expect(await first.exited, first.stderr).toEqual({ code: 1, signal: null });
  expect(readDeadLetters(deadLetterPath(state)).map((d) => d.seq)).toEqual(failingJobs);
}

/** The record lines written since it had `from` lines, as sorted successes and failing attempts. */
function ranSince(from: number): { done: number[]; failed: number[] } {
  const lines = readRecord(record).slice(from);
  const jobs = (filter: (line: RecordLine) => boolean): number[] =>
    lines
      .filter(filter)
      .map((line) => line.job)
      .sort((a, b) => a - b);
  return { done: jobs((line) => !line.failed), failed: jobs((line) => line.failed) };
}

/** The dead-letter file's lines, parsed. */
function deadLetterLines(): Array<{ seq: number; cursor?: unknown; job: unknown; attempts: number; error: { message: string } }> {
  const text = readFileSync(deadLetterPath(state), 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as ReturnType<typeof deadLetterLines>[number]);
}

/** Files of the retry run still in the temp dir. */
function retryFiles(): string[] {
  return readdirSync(dir.path).filter((name) => name.includes('.retry'));
}

describe('tm-master --retry-failed', () => {
  it('runs only the dead-lettered jobs and keeps those that still fail, with their seq, cursor and added-up attempts', async () => {
    const args = ['n=200', 'keyed=1'];
    await runWithFailures(args, [3, 50, 120, 199]);
    failOnly([50, 199]);
    const before = readRecord(record).length;
    const seqs = join(dir.path, 'seqs');

    const retry = run([...args, '--retry-failed'], { TM_SEQS: seqs });

    expect(await retry.exited, retry.stderr).toEqual({ code: 1, signal: null });
    expect(ranSince(before)).toEqual({ done: [3, 120], failed: [50, 50, 199, 199] });
    // Handlers are told each job's seq in the run (job i has seq i here), not its place in the retry.
    const told = readFileSync(seqs, 'utf8').trim().split('\n').map((line) => line.split(' ').map(Number));
    expect(told.map(([job]) => job).sort((a, b) => a! - b!)).toEqual([3, 50, 50, 120, 199, 199]);
    for (const [job, seq] of told) expect(seq).toBe(job);
    const lines = deadLetterLines();
    expect(lines.map((d) => d.seq)).toEqual([50, 199]);
    for (const d of lines) {
      expect(d).toMatchObject({ job: d.seq, cursor: `key-${d.seq}`, attempts: 4, error: { message: `job ${d.seq} is listed in ${failing}` } });
    }
    // The exact jobs are still there to retry again.
    expect(readDeadLetters(deadLetterPath(state)).map((d) => d.job)).toEqual([50, 199]);
    expect(readStateFields(state)).toMatchObject({ finished: true, cursorMode: 'key', ledger: { watermark: 200, lastCursor: 'key-199', failed: 2 } });
    expect(retry.stderr).toMatch(/retrying 4 dead-lettered jobs from /);
    // Log lines name the jobs by their seq in the run, not in the retry.
    expect(retry.stderr).toMatch(/job (50|199) failed after 2 attempts/);
    expect(retry.stderr).toMatch(/retried 4 dead-lettered jobs: 2 now succeed, 2 still fail \(kept in .*run\.dead-letter\.jsonl\)/);
    expect(retry.stdout).toMatch(/finished: 2 jobs done, 2 dead-lettered/);
    expect(retryFiles()).toEqual([]);
  });

  it('exits 0 with an empty file once every dead-lettered job succeeds, and then has nothing to retry', async () => {
    await runWithFailures(['n=100'], [10, 20]);
    failOnly([]);
    const before = readRecord(record).length;

    const retry = run(['n=100', '--retry-failed']);

    expect(await retry.exited, retry.stderr).toEqual({ code: 0, signal: null });
    expect(ranSince(before)).toEqual({ done: [10, 20], failed: [] });
    expect(readFileSync(deadLetterPath(state), 'utf8')).toBe('');
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: 100, failed: 0 } });
    expect(retryFiles()).toEqual([]);

    const again = run(['n=100', '--retry-failed']);

    expect(await again.exited, again.stderr).toEqual({ code: 0, signal: null });
    expect(again.stderr).toMatch(/nothing to retry: dead-letter file .*run\.dead-letter\.jsonl is empty/);
    expect(readRecord(record).length).toBe(before + 2);
    expect(readFileSync(deadLetterPath(state), 'utf8')).toBe('');
    expect(readStateFields(state)).toMatchObject({ ledger: { watermark: 100, failed: 0 } });
  });

  it('says there is nothing to retry, exits 0 and writes nothing, when there is no dead-letter file', async () => {
    const master = runBin('tm-master', [FLAKY, 'n=100', '--retry-failed', '--address', 'tcp://127.0.0.1:*', '--state', state, '--no-progress'], { cwd: dir.path });

    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(master.stderr).toContain(`nothing to retry: dead-letter file ${deadLetterPath(state)} does not exist`);
    expect(readdirSync(dir.path)).toEqual([]);
  });

  it('leaves the run as it was when killed midway, and running it again is correct', async () => {
    await runWithFailures(['n=100'], [5, 6, 7]);
    failOnly([]);
    const deadLetters = readFileSync(deadLetterPath(state));
    const ledger = recordedLedger(state).snapshot();
    const gate = join(dir.path, 'gate');
    writeFileSync(gate, '');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [FLAKY, 'n=100', '--retry-failed', '--address', address, '--state', state, ...RETRY_FLAGS], { cwd: dir.path });
    await master.waitFor(/listening on/);
    runBin('tm-slave', [FLAKY, '--address', address, '--threads', '1'], { cwd: dir.path, env: { TM_RECORD: record, TM_FAILING: failing, TM_GATE: gate } });
    // A retried job is running in the slave when the master dies.
    await expect.poll(() => existsSync(`${gate}.started`), { timeout: 30_000, interval: 10 }).toBe(true);

    master.child.kill('SIGKILL');
    await master.exited;

    expect(readFileSync(deadLetterPath(state))).toEqual(deadLetters);
    expect(recordedLedger(state).snapshot()).toEqual(ledger);
    expect(existsSync(retryStatePath(state))).toBe(true);
    await killAll();
    const before = readRecord(record).length;

    const again = run(['n=100', '--retry-failed']);

    expect(await again.exited, again.stderr).toEqual({ code: 0, signal: null });
    expect(ranSince(before)).toEqual({ done: [5, 6, 7], failed: [] });
    expect(readFileSync(deadLetterPath(state), 'utf8')).toBe('');
    expect(readStateFields(state)).toMatchObject({ ledger: { watermark: 100, failed: 0 } });
    expect(retryFiles()).toEqual([]);
  });

  it('counts failures from the dead-letter file, so a retry killed after the snapshot but before rewriting the file is made good', async () => {
    await runWithFailures(['n=100'], [5, 6, 7]);
    // What a retry killed between its two writes leaves: the count says only 6 still fails, the file still holds 5, 6 and 7.
    const { identity, ledger } = readStateFields(state);
    writeFileSync(state, encodeState(identity, { watermark: ledger.watermark, doneAbove: [], failed: 1 }, { cursorMode: 'seq', total: 100, finished: true }));
    failOnly([6]);
    const before = readRecord(record).length;

    const retry = run(['n=100', '--retry-failed']);

    expect(await retry.exited, retry.stderr).toEqual({ code: 1, signal: null });
    expect(ranSince(before)).toEqual({ done: [5, 7], failed: [6, 6] });
    expect(deadLetterLines()).toMatchObject([{ seq: 6, attempts: 4 }]);
    expect(readStateFields(state)).toMatchObject({ ledger: { watermark: 100, failed: 1 } });
  });

  it.each([
    { cut: 'at a line boundary', keep: (text: string) => `${text.trimEnd().split('\n')[0]}\n`, says: /holds 1 of the 2 dead-lettered jobs that state file .* counts: it was cut short/ },
    { cut: 'mid-line', keep: (text: string) => text.slice(0, text.indexOf('\n') + 40), says: /ends in a torn line \(line 2, no newline: a write was cut short\); nothing was changed/ },
  ])('refuses a dead-letter file cut short $cut: one line, exit 2, the file and the state untouched', async ({ keep, says }) => {
    await runWithFailures(['n=100'], [5, 6]);
    const cut = keep(readFileSync(deadLetterPath(state), 'utf8'));
    writeFileSync(deadLetterPath(state), cut);
    const snapshot = readFileSync(state, 'utf8');

    const retry = runBin('tm-master', [FLAKY, 'n=100', '--retry-failed', '--address', 'tcp://127.0.0.1:*', '--state', state], { cwd: dir.path });

    expect(await retry.exited).toEqual({ code: 2, signal: null });
    expect(retry.stderr).toMatch(says);
    expect(retry.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(readFileSync(deadLetterPath(state), 'utf8')).toBe(cut);
    expect(readFileSync(state, 'utf8')).toBe(snapshot);
    expect(retryFiles()).toEqual([]);
  });

  it('cuts a torn last line a dead master left, saying so, when the run is resumed, and runs that job again', async () => {
    await runWithFailures(['n=100'], [5]);
    // A master died writing the dead letter of job 6: its line is torn, and the state never counted it.
    const { identity } = readStateFields(state);
    writeFileSync(state, encodeState(identity, { watermark: 6, doneAbove: [{ start: 7, end: 99 }], failed: 1 }, { cursorMode: 'seq', total: 100, finished: false }));
    const whole = readFileSync(deadLetterPath(state), 'utf8');
    writeFileSync(deadLetterPath(state), `${whole}{"seq":6,"attempts":2,"err`);
    failOnly([]);
    const before = readRecord(record).length;

    const resumed = run(['n=100']);

    expect(await resumed.exited, resumed.stderr).toEqual({ code: 1, signal: null });
    expect(resumed.stderr).toMatch(/cut a torn last line off the dead-letter file of .*: a master died writing it/);
    expect(ranSince(before)).toEqual({ done: [6], failed: [] });
    expect(readFileSync(deadLetterPath(state), 'utf8')).toBe(whole);
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: 100, failed: 1 } });
  });

  it('leaves alone dead letters of jobs the state has not finished: resuming the run runs those', async () => {
    await runWithFailures(['n=100'], [5, 80]);
    // A run that dead-lettered 80, then died before its log said so, resumes at seq 50.
    const { identity } = readStateFields(state);
    writeFileSync(state, encodeState(identity, { watermark: 50, doneAbove: [], failed: 1 }, { cursorMode: 'seq', total: 100, finished: false }));
    writeFileSync(`${state}.log`, '');
    const kept = deadLetterLines()[1];
    failOnly([]);
    const before = readRecord(record).length;

    const retry = run(['n=100', '--retry-failed']);

    expect(await retry.exited, retry.stderr).toEqual({ code: 0, signal: null });
    expect(retry.stderr).toMatch(/run\.dead-letter\.jsonl holds dead letters of jobs that state file .*run\.state\.json has not finished \(1 job, seq 80…\): resuming the run runs them/);
    expect(ranSince(before)).toEqual({ done: [5], failed: [] });
    expect(deadLetterLines()).toEqual([kept]);
    expect(readStateFields(state)).toMatchObject({ finished: false, ledger: { watermark: 50, failed: 0 } });
  });

  it('refuses a corrupt dead-letter file: one line naming it, exit 2, the file untouched', async () => {
    await runWithFailures(['n=100'], [5, 6]);
    const garbled = readFileSync(deadLetterPath(state), 'utf8').replace('"seq":5', '"seq":"five"');
    writeFileSync(deadLetterPath(state), garbled);

    const retry = runBin('tm-master', [FLAKY, 'n=100', '--retry-failed', '--address', 'tcp://127.0.0.1:*', '--state', state], { cwd: dir.path });

    expect(await retry.exited).toEqual({ code: 2, signal: null });
    expect(retry.stderr).toMatch(new RegExp(`^tm-master: dead-letter file ${deadLetterPath(state)} is corrupt at line 1 \\(seq must be [^\\n]*\\)[^\\n]*move the file away\\n$`));
    expect(readFileSync(deadLetterPath(state), 'utf8')).toBe(garbled);
    expect(retryFiles()).toEqual([]);
  });

  it('refuses to run with --reset', async () => {
    const retry = runBin('tm-master', [FLAKY, '--retry-failed', '--reset', '--state', state], { cwd: dir.path });

    expect(await retry.exited).toEqual({ code: 2, signal: null });
    expect(retry.stderr).toBe('tm-master: --retry-failed and --reset cannot be used together: --reset forgets the dead letters\n');
    expect(readdirSync(dir.path)).toEqual([]);
  });
});

/** Where the tests of --retry-failed with --results write them. */
const results = (): string => join(dir.path, 'results.jsonl');
/** No retry within a run: a failing job is dead-lettered at once. */
const FLAGS = ['--retries', '0', '--no-progress'];

/** tm-run of the flaky fixture writing `--results`, one slave; `words` are more args and flags. */
function runWithResults(words: readonly string[]): Proc {
  return runBin('tm-run', [FLAKY, '1', ...words, '--threads', '1', '--state', state, '--results', results(), ...FLAGS], { cwd: dir.path, env: { TM_FAILING: failing, TM_RECORD: record } });
}

/** The seqs of the results file's lines, sorted (the flaky fixture's result is its job, which is its seq). */
function resultSeqs(): number[] {
  const lines = readJsonl(results()) as Array<{ seq: number; job: number; result: number }>;
  for (const line of lines) expect(line).toEqual({ seq: line.seq, job: line.seq, result: line.seq });
  return lines.map((line) => line.seq).sort((a, b) => a - b);
}

const range = (n: number, skip: readonly number[] = []): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => !skip.includes(i));

describe('--retry-failed with --results', () => {
  it('appends the results of the jobs that now succeed, so the file holds one line per done job; the summary’s hint is the command that does it', async () => {
    failOnly([3, 7, 40]);
    const first = runWithResults(['n=60']);
    expect(await first.exited, first.stderr).toEqual({ code: 1, signal: null });
    expect(resultSeqs()).toEqual(range(60, [3, 7, 40]));
    expect(first.stdout).toMatch(/run the same command with --retry-failed/);
    failOnly([7]);

    const retry = runWithResults(['n=60', '--retry-failed']);

    expect(await retry.exited, retry.stderr).toEqual({ code: 1, signal: null });
    expect(resultSeqs()).toEqual(range(60, [7]));
    expect(readDeadLetters(deadLetterPath(state)).map((d) => d.seq)).toEqual([7]);
    expect(readStateFields(state)).toMatchObject({ ledger: { failed: 1 }, outputs: { results: statSync(results()).size } });
    failOnly([]);

    const last = runWithResults(['n=60', '--retry-failed']);

    expect(await last.exited, last.stderr).toEqual({ code: 0, signal: null });
    expect(resultSeqs()).toEqual(range(60));
    expect(readStateFields(state)).toMatchObject({ ledger: { failed: 0 }, outputs: { results: statSync(results()).size } });
  });

  it('is refused without the --results its run writes: one line, exit 2, nothing changed', async () => {
    failOnly([3]);
    expect((await runWithResults(['n=20']).exited).code).toBe(1);
    const before = statSync(results()).size;

    const retry = runBin('tm-run', [FLAKY, '1', 'n=20', '--state', state, '--retry-failed', ...FLAGS], { cwd: dir.path, env: { TM_FAILING: failing, TM_RECORD: record } });

    expect((await retry.exited).code).toBe(2);
    expect(retry.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tm-run: state file .*run\.state\.json writes results \(\d+ bytes so far\): pass --results FILE again/)]);
    expect(statSync(results()).size).toBe(before);
    expect(readDeadLetters(deadLetterPath(state)).map((d) => d.seq)).toEqual([3]);
  });

  it('killed with -9 while it writes results, leaves no line twice, and the next retry completes the file', async () => {
    // Every third job fails the first time: 1,000 dead letters, retried at 400 a second.
    const n = 3000;
    const failed = range(n).filter((i) => i % 3 === 0);
    failOnly(failed);
    expect((await runWithResults([`n=${n}`]).exited).code).toBe(1);
    const base = statSync(results()).size;
    failOnly([]);
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [FLAKY, `n=${n}`, '--retry-failed', '--address', address, '--state', state, '--results', results(), '--checkpoint-interval', '20', '--rate', '400/s', ...FLAGS], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const slave = runBin('tm-slave', [FLAKY, '--address', address, '--threads', '1', '--max-credit', '20'], { cwd: dir.path, env: { TM_FAILING: failing, TM_RECORD: record } });
    // Some retried results are written, and the retry is far from done.
    await expect.poll(() => statSync(results()).size, { timeout: 60_000, interval: 5 }).toBeGreaterThan(base + 2000);

    master.child.kill('SIGKILL');
    expect(await master.exited).toEqual({ code: null, signal: 'SIGKILL' });
    slave.child.kill('SIGKILL');
    await slave.exited;

    expect(readStateFields(state)).toMatchObject({ ledger: { failed: failed.length }, outputs: { results: base } });
    expect(readDeadLetters(deadLetterPath(state))).toHaveLength(failed.length);
    const again = runWithResults([`n=${n}`, '--retry-failed']);
    expect(await again.exited, again.stderr).toEqual({ code: 0, signal: null });
    expect(again.stderr).toMatch(/cut \d+ bytes off results file/);
    expect(resultSeqs()).toEqual(range(n));
    expect(readDeadLetters(deadLetterPath(state))).toEqual([]);
  }, 120_000);
});

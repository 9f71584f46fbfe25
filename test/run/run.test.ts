/**
 * run(): a master in this process and slave processes through the real supervisor and
 * dist/bin/tm-slave.js, so these tests run the built library (`dist/index.js`), typed by src.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as Api from '../../src/index.js';
import { CAPACITY } from '../../src/run/result-queue.js';
import { processesIn } from '../helpers/orphans.js';
import { FIXTURES, ROOT, runBin } from '../helpers/processes.js';
import { countLines, range, readRecord, tally } from '../helpers/record.js';
import { readStateFields, recordedLedger } from '../helpers/state.js';
import { useTestDir } from '../helpers/test-dir.js';
import { progressEvents } from '../helpers/progress-events.js';

const { run } = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof Api;

const RECORD = join(FIXTURES, 'record.ts');
const dir = useTestDir();
let record = '';
let state = '';

beforeEach(() => {
  record = join(dir.path, 'record.txt');
  state = join(dir.path, 'run.state.json');
  // The slaves inherit this process's environment.
  process.env.TM_RECORD = record;
});
afterEach(() => {
  for (const name of ['TM_RECORD', 'TM_SPIN_US', 'TM_UNRULY', 'TM_UNRULY_JOBS', 'TM_GATE', 'TM_STARTED']) delete process.env[name];
  expect(processesIn(dir.path), 'a process of the run outlived it').toEqual([]);
});

describe('run()', () => {
  it('runs a module through a master here and two slave processes, and resolves with the summary once every child has exited', async () => {
    const handle = run({ module: RECORD, args: { n: '5000' }, slaves: 2, threads: 1, state, cwd: dir.path });
    let last: Api.ProgressSnapshot | undefined;
    handle.on('progress', (snapshot) => void (last = snapshot));
    const summary = await handle.done;
    // The last progress event is the final count, not the last 250 ms tick before the end.
    expect(last).toMatchObject({ finished: 5000, total: 5000 });
    expect(summary).toMatchObject({ outcome: 'finished', done: 5000, failed: 0, finished: 5000, total: 5000, exitCode: 0 });
    expect(tally(readRecord(record), range(5000))).toMatchObject({ missing: [], reran: [] });
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: 5000 } });
    expect(processesIn(dir.path)).toEqual([]);
  }, 60_000);

  it('runs a source in the master and a handler module in the slaves, and yields each job with its typed result', async () => {
    const handle = run<{ getJobs(): AsyncIterable<number>; handleJob: (i: number) => { i: number; twice: number } }>({
      source: pathToFileURL(join(FIXTURES, 'numbers.ts')),
      handler: join(FIXTURES, 'doubler.ts'),
      args: { n: '3000' },
      slaves: 2,
      threads: 1,
      results: true,
      state,
      cwd: dir.path,
    });
    const seen = new Set<number>();
    for await (const { job, result } of handle.results) {
      expect(result).toEqual({ i: job, twice: 2 * job });
      seen.add(job);
    }
    expect(seen.size).toBe(3000);
    expect(await handle.done).toMatchObject({ outcome: 'finished', done: 3000 });
  }, 60_000);

  it('refuses to iterate its results when they were not asked for, with a TypeError naming `results: true`, and the run goes on', async () => {
    const handle = run({ module: RECORD, args: { n: '200' }, slaves: 1, threads: 1, state, cwd: dir.path });
    const refusal = /`results: true`/;
    expect(() => handle.results[Symbol.asyncIterator]()).toThrow(TypeError);
    expect(() => handle.results[Symbol.asyncIterator]()).toThrow(refusal);
    const read = (async () => {
      for await (const _ of handle.results) break;
    })();
    await expect(read).rejects.toThrow(refusal);
    expect(await handle.done).toMatchObject({ outcome: 'finished', done: 200 });
  }, 60_000);

  it('holds dispatch back while its results go unread, never more than CAPACITY of them, and gives every one once read', async () => {
    const jobs = 20_000;
    const maxCredit = 500;
    const handle = run<{ getJobs(): AsyncIterable<number>; handleJob: (i: number) => number }>({ module: RECORD, args: { n: String(jobs) }, slaves: 2, threads: 1, maxCredit, results: true, state, cwd: dir.path });
    const iterator = handle.results[Symbol.asyncIterator]();
    const read: number[] = [];
    for (let i = 0; i < 10; i++) read.push((await iterator.next()).value!.job);
    // Unread for a second of the run's own progress ticks: only what the queue holds is recorded,
    // and the slaves have run little more: what they hold, and what they reported meanwhile, each
    // bounded by their credit (not the 20,000 jobs of the run).
    for (let tick = 0; tick < 4; tick++) {
      const { finished } = await progressEvents(handle, 1);
      expect(finished).toBeLessThanOrEqual(read.length + CAPACITY);
      expect(countLines(record)).toBeLessThanOrEqual(read.length + CAPACITY + 2 * 2 * maxCredit);
    }
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) read.push(next.value.job);
    expect(read.sort((a, b) => a - b)).toEqual(range(jobs));
    expect(await handle.done).toMatchObject({ outcome: 'finished', done: jobs });
  }, 60_000);

  it('stops gracefully on abort: running jobs finish and are recorded, the rest wait for the next run, which runs none twice', async () => {
    process.env.TM_SPIN_US = '50';
    const jobs = 200_000;
    const controller = new AbortController();
    const options = { module: RECORD, args: { n: String(jobs) }, slaves: 2, threads: 1, state, cwd: dir.path, signal: controller.signal } as const;
    const handle = run(options);
    await expect.poll(() => countLines(record), { timeout: 30_000, interval: 10 }).toBeGreaterThan(1000);
    expect(processesIn(dir.path), 'its two slaves').toHaveLength(2);
    controller.abort();
    const summary = await handle.done;
    // A stop is no success: exit 0 is for a finished run (or the --limit taken), a stop from code reads as SIGINT's 130.
    expect(summary).toMatchObject({ outcome: 'stopped', exitCode: 130 });
    expect(summary.done).toBeLessThan(jobs);
    // Every job that ran is in the state: nothing was cut off.
    expect(readRecord(record)).toHaveLength(recordedLedger(state).finished);
    expect(readStateFields(state)).toMatchObject({ finished: false });

    delete process.env.TM_SPIN_US;
    const rest = await run({ ...options, signal: undefined }).done;
    expect(rest).toMatchObject({ outcome: 'finished', done: jobs - summary.done });
    expect(tally(readRecord(record), range(jobs))).toMatchObject({ missing: [], reran: [] });
  }, 90_000);

  it('says, by its summary and a warning event, that a state that had finished already ran nothing', async () => {
    expect(await run({ module: RECORD, args: { n: '20' }, slaves: 1, threads: 1, state, cwd: dir.path }).done).toMatchObject({ outcome: 'finished', done: 20 });
    const again = run({ module: RECORD, args: { n: '20' }, slaves: 1, threads: 1, state, cwd: dir.path });
    const warnings: string[] = [];
    again.on('warning', (message) => warnings.push(message));

    const summary = await again.done;

    expect(summary).toMatchObject({ outcome: 'finished', done: 0, finished: 20, alreadyFinished: true });
    expect(warnings).toEqual(['the state says this run already finished, so nothing ran; pass --reset (run(): reset: true) to run it again']);
    expect(countLines(record)).toBe(20);
  }, 60_000);

  it.each(['destroy()', 'abort, then stop()'])('stops at once on %s, leaving the running jobs pending and no process behind', async (how) => {
    const started = join(dir.path, 'started.txt');
    Object.assign(process.env, { TM_STARTED: started, TM_UNRULY: 'gate', TM_UNRULY_JOBS: '5-19', TM_GATE: join(dir.path, 'never') });
    const controller = new AbortController();
    // A grace longer than the test: only an immediate stop can end the wait for the gated jobs.
    const handle = run({ module: join(FIXTURES, 'unruly.ts'), args: { n: '20' }, slaves: 2, threads: 1, grace: 600_000, state, cwd: dir.path, signal: controller.signal });
    let finished = 0;
    handle.on('progress', (snapshot) => void (finished = snapshot.finished));
    // Jobs 0-4 recorded, and some of the gated ones running.
    await expect.poll(() => finished, { timeout: 30_000, interval: 10 }).toBe(5);
    await expect.poll(() => countLines(started), { timeout: 30_000, interval: 10 }).toBeGreaterThan(5);
    if (how === 'destroy()') handle.destroy();
    else {
      controller.abort();
      handle.stop();
    }
    expect(await handle.done).toMatchObject({ outcome: 'stopped' });
    expect(processesIn(dir.path)).toEqual([]);
    expect(readStateFields(state)).toMatchObject({ finished: false, ledger: { watermark: 5 } });
  }, 60_000);

  it('rejects with the usage error the CLI prints, and starts nothing', async () => {
    const handle = run({ module: RECORD, rate: 'abc', results: true, cwd: dir.path });
    const cli = runBin('tm-run', [RECORD, '1', '--rate', 'abc'], { cwd: dir.path });
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    const message = cli.stderr.trim().replace(/^tm-run: /, '');
    expect(message).toBe('Expected `--rate` to be N/s or N/min (N > 0), got `abc`');
    await expect(handle.done).rejects.toThrow(message);
    await expect(handle.done).rejects.toMatchObject({ name: 'UsageError', code: 'E_USAGE' });
    await expect(async () => {
      for await (const _ of handle.results) break;
    }).rejects.toThrow(message);

    const missing = run({ source: RECORD, handler: join(dir.path, 'nope.ts'), cwd: dir.path });
    const slave = runBin('tm-slave', [join(dir.path, 'nope.ts')], { cwd: dir.path });
    expect(await slave.exited).toEqual({ code: 2, signal: null });
    await expect(missing.done).rejects.toThrow(slave.stderr.trim().replace(/^tm-slave: /, ''));
  }, 30_000);

  it('rejects with the reason of a signal aborted before it starts', async () => {
    const handle = run({ module: RECORD, signal: AbortSignal.abort(new Error('not today')), cwd: dir.path });
    await expect(handle.done).rejects.toThrow('not today');
  });
});

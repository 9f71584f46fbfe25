import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { resolveModule } from '../../src/load.js';
import type { WireJob } from '../../src/protocol/messages.js';
import { JobPool, type PoolOptions } from '../../src/slave/pool.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'tm-pool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const pools: JobPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.destroy()));
});

/** Starts a pool on a fixture module; afterEach destroys it. */
async function start(module: string, options: Partial<PoolOptions> = {}): Promise<JobPool> {
  const url = options.url ?? resolveModule(module, fixtures);
  const pool = await JobPool.start({ url, fn: 'handleJob', threads: 1, concurrency: 1, jobTimeout: 0, ...options });
  pools.push(pool);
  return pool;
}

/** Wire jobs with seqs from `first`. */
function wire(jobs: readonly unknown[], first = 0): WireJob[] {
  return jobs.map((job, i) => ({ seq: first + i, attempt: 0, job }));
}

/** A gate a job waits on in its thread (Atomics.wait) until the test opens it. */
function gate(): { readonly buffer: SharedArrayBuffer; open(): void } {
  const buffer = new SharedArrayBuffer(4);
  return { buffer, open: () => void (Atomics.store(new Int32Array(buffer), 0, 1), Atomics.notify(new Int32Array(buffer), 0)) };
}

describe('JobPool', () => {
  it('runs a TypeScript handler in threads and returns results in order with ms', async () => {
    const pool = await start('tasks.ts', { threads: 2 });
    const { results, unstarted } = await pool.run(wire([{ n: 1 }, { n: 2, async: true }, { n: 3 }], 10).map((job) => ({ ...job, attempt: 2 })), true);
    expect(unstarted).toEqual([]);
    expect(results.map(({ seq, ok, result }) => ({ seq, ok, result }))).toEqual([
      { seq: 10, ok: true, result: { square: 1, seq: 10, attempt: 2 } },
      { seq: 11, ok: true, result: { square: 4, seq: 11, attempt: 2 } },
      { seq: 12, ok: true, result: { square: 9, seq: 12, attempt: 2 } },
    ]);
    for (const { ms } of results) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('measures ms for each job, not an average over the chunk', async () => {
    const pool = await start('blocks.ts');
    const [slow, fast] = (await pool.run(wire([{ n: 0, sleep: 30 }, { n: 1 }]), false)).results;
    expect(slow?.ms).toBeGreaterThanOrEqual(25);
    expect(fast?.ms).toBeLessThan(25);
  });

  it('queues chunks beyond its slots until one is free', async () => {
    const pool = await start('tasks.ts', { threads: 2 });
    expect(pool.slots).toBe(2);
    const chunks = await Promise.all(Array.from({ length: 5 }, (_, c) => pool.run(wire([{ n: c }, { n: c + 1, async: true }], c * 2), true)));
    expect(chunks.map(({ results }) => results.map((r) => (r.result as { square: number }).square))).toEqual([[0, 1], [1, 4], [4, 9], [9, 16], [16, 25]]);
  });

  it('leaves results out unless they are wanted', async () => {
    const pool = await start('tasks.ts');
    const { results } = await pool.run(wire([{ n: 4 }]), false);
    expect(results).toEqual([{ seq: 0, ok: true, ms: expect.any(Number) }]);
    expect(results[0]).not.toHaveProperty('result');
  });

  it('runs .mjs and .cjs handlers and a named function', async () => {
    const mjs = await start('tasks.mjs', { fn: 'double' });
    expect((await mjs.run(wire([21]), true)).results.map((r) => r.result)).toEqual([42]);
    const cjs = await start('tasks.cjs');
    expect((await cjs.run(wire([5, 6]), true)).results.map((r) => r.result)).toEqual([15, 18]);
  });

  it('reports a throwing handler as failed with message, name and stack, and goes on', async () => {
    const pool = await start('tasks.ts');
    const { results } = await pool.run(wire([{ n: 1 }, { n: 2, throws: 'no good' }, { n: 3, throwValue: 'plain string' }, { n: 4 }]), true);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(results[1]?.error).toMatchObject({ message: 'no good', name: 'TypeError', stack: expect.stringContaining('tasks.ts') });
    expect(results[2]?.error).toEqual({ message: 'plain string' });
    expect(results[3]?.result).toEqual({ square: 16, seq: 3, attempt: 0 });
  });

  it('fails start with a UsageError when the module or the export is bad', async () => {
    await expect(start('tasks.ts', { fn: 'nope' })).rejects.toThrow(new UsageError('`test/fixtures/tasks.ts` has no function export `nope` (it exports: handleJob, noop, notAFunction, returnsFunction)'));
    const broken = path.join(scratch, 'broken.mjs');
    writeFileSync(broken, 'export const handleJob = (;\n');
    await expect(start('', { url: pathToFileURL(broken).href, threads: 2 })).rejects.toThrow(/^cannot load task module `.*broken\.mjs`: SyntaxError: /);
    await expect(start('throws-on-load.mjs')).rejects.toThrow(new UsageError('cannot load task module `test/fixtures/throws-on-load.mjs`: RangeError: bad configuration'));
  });

  it('salvages a chunk whose handler calls process.exit: done before, culprit failed, rest unstarted', async () => {
    const pool = await start('exits.ts');
    const jobs = wire([{ n: 0 }, { n: 1 }, { n: 2, exit: 3 }, { n: 3 }, { n: 4 }]);
    const { results, unstarted } = await pool.run(jobs, false);
    expect(results).toEqual([
      { seq: 0, ok: true, ms: 0 },
      { seq: 1, ok: true, ms: 0 },
      { seq: 2, ok: false, ms: 0, error: { name: 'Error', message: expect.stringMatching(/^worker thread died: .*code: 3/) } },
    ]);
    expect(unstarted).toEqual(jobs.slice(3));
    // piscina replaced the thread: the next chunk runs.
    expect((await pool.run(wire([{ n: 7 }], 5), true)).results).toMatchObject([{ seq: 5, ok: true, result: 7 }]);
  });

  it('runs again the finished jobs of a dead chunk when their results were wanted', async () => {
    const pool = await start('exits.ts');
    const jobs = wire([{ n: 0 }, { n: 1, exit: 1 }, { n: 2 }]);
    const { results, unstarted } = await pool.run(jobs, true);
    expect(results.map(({ seq, ok }) => ({ seq, ok }))).toEqual([{ seq: 1, ok: false }]);
    expect(unstarted).toEqual([jobs[0], jobs[2]]);
  });

  it('fails a job that returns a function, and keeps the thread', async () => {
    const pool = await start('tasks.ts', { fn: 'returnsFunction' });
    const { results, unstarted } = await pool.run(wire(['top', 'top']), true);
    expect(unstarted).toEqual([]);
    expect(results).toMatchObject([{ seq: 0, ok: false, error: { name: 'TypeError', message: 'returnsFunction returned a function, which cannot be sent back as a result' } }, { seq: 1, ok: false }]);
    expect((await pool.run(wire(['top']), false)).results).toMatchObject([{ ok: true }]);
  });

  it('fails, rather than repeats, a chunk whose results cannot be sent back', async () => {
    const pool = await start('tasks.ts', { fn: 'returnsFunction' });
    const { results, unstarted } = await pool.run(wire(['top', 'nested']), true);
    expect(unstarted).toEqual([]);
    expect(results).toMatchObject([{ seq: 0, ok: false }, { seq: 1, ok: false }]);
    expect(results[1]?.error?.message).toMatch(/^worker thread died sending the chunk's results \(is one not structured-cloneable\?\)/);
  });

  it('times out a blocking job, kills its thread, and keeps working', async () => {
    const pool = await start('blocks.ts', { jobTimeout: 200 });
    const jobs = wire([{ n: 0 }, { n: 1, spin: true }, { n: 2 }]);
    const { results, unstarted } = await pool.run(jobs, false);
    expect(results).toEqual([
      { seq: 0, ok: true, ms: 0 },
      { seq: 1, ok: false, ms: 0, error: { name: 'Error', message: 'timed out after 200 ms' } },
    ]);
    expect(unstarted).toEqual([jobs[2]]);
    expect((await pool.run(wire([{ n: 9 }]), true)).results).toMatchObject([{ ok: true, result: 9 }]);
  });

  it('does not time out a chunk whose jobs keep finishing', async () => {
    const pool = await start('blocks.ts', { jobTimeout: 50 });
    // 200 jobs of 1 ms: several times the timeout in all, far under it each.
    const { results, unstarted } = await pool.run(wire(Array.from({ length: 200 }, (_, n) => ({ n, sleep: 1 }))), false);
    expect(unstarted).toEqual([]);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('hands back the current job of a chunk that shared a thread killed for another job', async () => {
    const pool = await start('blocks.ts', { concurrency: 2 });
    expect(pool.slots).toBe(2);
    pool.jobTimeout = 200; // as a slave does once the master's WELCOME says
    // One thread: a chunk that keeps moving (1 ms a job) beside one whose job never settles.
    const moving = pool.run(wire(Array.from({ length: 5_000 }, (_, n) => ({ n, sleep: 1 }))), false);
    const stuck = await pool.run(wire([{ n: 0 }, { n: 1, hang: true }], 10_000), false);
    expect(stuck.results).toEqual([
      { seq: 10_000, ok: true, ms: 0 },
      { seq: 10_001, ok: false, ms: 0, error: { name: 'Error', message: 'timed out after 200 ms' } },
    ]);
    const { results, unstarted } = await moving;
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(unstarted.length).toBeGreaterThan(0);
    expect(results.length + unstarted.length).toBe(5_000);
    expect(unstarted[0]?.seq).toBe(results.length); // the job it was on comes back, not failed
  });

  it('drains a running chunk on close, and takes no new chunk', async () => {
    const pool = await start('blocks.ts');
    const mark = new SharedArrayBuffer(4);
    const { buffer, open } = gate();
    const running = pool.run(wire([{ n: 1, mark, gate: buffer }, { n: 2 }]), true);
    await expect.poll(() => Atomics.load(new Int32Array(mark), 0)).toBe(1);
    let closedYet = false;
    const closed = pool.close().then(() => (closedYet = true));
    expect(await pool.run(wire([{ n: 3 }]), true)).toEqual({ results: [], unstarted: wire([{ n: 3 }]) });
    expect(closedYet).toBe(false);
    open();
    await closed;
    expect((await running).results).toMatchObject([{ seq: 0, ok: true, result: 1 }, { seq: 1, ok: true, result: 2 }]);
    await pool.close();
  });

  it('destroy stops a running chunk at once and hands back the jobs it had not finished', async () => {
    const pool = await start('blocks.ts');
    const mark = new SharedArrayBuffer(4);
    const jobs = wire([{ n: 0 }, { n: 1, mark, gate: gate().buffer }, { n: 2 }]);
    const running = pool.run(jobs, false);
    await expect.poll(() => Atomics.load(new Int32Array(mark), 0)).toBe(1);
    await pool.destroy();
    expect(await running).toEqual({ results: [{ seq: 0, ok: true, ms: 0 }], unstarted: jobs.slice(1) });
    await pool.destroy();
  });
});

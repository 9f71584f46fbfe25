import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { pack } from '../../src/protocol/codec.js';
import { expandRuns } from '../../src/protocol/seq-runs.js';
import type { BatchResult } from '../../src/slave/pool.js';
import { batch, usePools } from '../helpers/pools.js';

const { scratch, start, channel } = usePools('tm-pool-');

let gates = 0;

/** A gate a blocks.ts job waits at until the test opens it; `started` resolves once a job reached it. */
function gate(): { readonly name: string; readonly started: Promise<unknown>; open(): void } {
  const name = `tm-pool-gate-${process.pid}-${gates++}`;
  const test = channel(name);
  return { name, started: once(test, 'message'), open: () => test.postMessage('open') };
}

/** Each job that ran, in order: its seq and what became of it. */
function ran({ seqs, failures, results }: BatchResult): Array<{ seq: number; ok: boolean; result?: unknown; error?: unknown }> {
  const errors = new Map(failures.map((f) => [f.index, f.error]));
  return expandRuns(seqs).map((seq, i) => {
    const error = errors.get(i);
    if (error !== undefined) return { seq, ok: false, error };
    return results === undefined ? { seq, ok: true } : { seq, ok: true, result: results[i] };
  });
}

describe('JobPool', () => {
  it('runs a TypeScript handler in threads and returns results in order, each job with its seq and attempt', async () => {
    const pool = await start('tasks.ts', { threads: 2 });
    const result = await pool.run(batch([{ n: 1 }, { n: 2, async: true }, { n: 3 }], [10, 3], [2, 0, 1]), true);
    expect(result).toEqual({
      seqs: [10, 3],
      failures: [],
      results: [
        { square: 1, seq: 10, attempt: 2 },
        { square: 4, seq: 11, attempt: 0 },
        { square: 9, seq: 12, attempt: 1 },
      ],
      returned: [],
      ms: expect.any(Number),
    });
    expect(result.ms).toBeGreaterThanOrEqual(0);
  });

  it('gives each job its seq from non-contiguous runs, and attempt 0 when attempts are left out', async () => {
    const pool = await start('tasks.ts');
    const result = await pool.run(batch([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }], [7, 1, 40, 2, 3, 1]), true);
    expect(result.seqs).toEqual([7, 1, 40, 2, 3, 1]);
    expect(result.results).toEqual([
      { square: 1, seq: 7, attempt: 0 },
      { square: 4, seq: 40, attempt: 0 },
      { square: 9, seq: 41, attempt: 0 },
      { square: 16, seq: 3, attempt: 0 },
    ]);
  });

  it("reports ms as the batch's total handler time, so one slow job shows in it", async () => {
    const pool = await start('blocks.ts');
    const { ms } = await pool.run(batch([{ n: 0 }, { n: 1, sleep: 30 }, { n: 2 }]), false);
    // Not an average over the three jobs (about 10 ms), nor a per-job figure of the last one.
    expect(ms).toBeGreaterThanOrEqual(25);
  });

  it('queues batches beyond its slots until one is free', async () => {
    const pool = await start('tasks.ts', { threads: 2 });
    expect(pool.maxBatches).toBe(4); // two threads, each running one batch and holding the next
    // Packed one after another, as a slave receives them: the blobs may share memory.
    const batches = Array.from({ length: 9 }, (_, c) => batch([{ n: c }, { n: c + 1, async: true }], [c * 2, 2]));
    const results = await Promise.all(batches.map((b) => pool.run(b, true)));
    expect(results.map(({ returned }) => returned)).toEqual(batches.map(() => []));
    expect(results.map(({ results }) => results?.map((r) => (r as { square: number }).square))).toEqual(batches.map((_, c) => [c * c, (c + 1) * (c + 1)]));
  });

  it("leaves the caller's packed jobs intact when it moves a copy to a thread", async () => {
    const pool = await start('tasks.ts');
    const first = batch([{ n: 2 }]);
    const second = batch([{ n: 3 }], [1, 1]);
    const bytes = Buffer.from(first.jobs);
    await pool.run(first, true);
    expect(Buffer.from(first.jobs)).toEqual(bytes);
    expect((await pool.run(second, true)).results).toMatchObject([{ square: 9, seq: 1 }]);
  });

  it('leaves results out unless they are wanted', async () => {
    const pool = await start('tasks.ts');
    const result = await pool.run(batch([{ n: 4 }, { n: 5, throws: 'no' }]), false);
    expect(result).toEqual({ seqs: [0, 2], failures: [{ index: 1, error: expect.objectContaining({ message: 'no' }) }], returned: [], ms: expect.any(Number) });
    expect(result).not.toHaveProperty('results');
  });

  it('runs .mjs and .cjs handlers and a named function', async () => {
    const mjs = await start('tasks.mjs', { fn: 'double' });
    expect((await mjs.run(batch([21]), true)).results).toEqual([42]);
    const cjs = await start('tasks.cjs');
    expect((await cjs.run(batch([5, 6]), true)).results).toEqual([15, 18]);
  });

  it('reports a throwing handler as failed with message, name and stack, and goes on', async () => {
    const pool = await start('tasks.ts');
    const result = await pool.run(batch([{ n: 1 }, { n: 2, throws: 'no good' }, { n: 3, throwValue: 'plain string' }, { n: 4 }]), true);
    expect(ran(result).map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(result.failures).toEqual([
      { index: 1, error: { message: 'no good', name: 'TypeError', stack: expect.stringContaining('tasks.ts') } },
      { index: 2, error: { message: 'plain string' } },
    ]);
    expect(result.results?.[3]).toEqual({ square: 16, seq: 3, attempt: 0 });
    expect(result.returned).toEqual([]);
  });

  it('fails every job of a batch whose jobs do not match its seqs, rather than handing them back', async () => {
    const pool = await start('tasks.ts');
    const short = { seqs: [0, 3], jobs: pack([{ n: 1 }]), count: 3 };
    const garbled = { seqs: [5, 2], jobs: Uint8Array.of(0x92, 0x01), count: 2 };
    for (const [b, reason] of [
      [short, /^a batch of 3 seqs did not hold 3 jobs/],
      [garbled, /^cannot decode the jobs of a batch of 2: /],
    ] as const) {
      const result = await pool.run(b, false);
      expect(result.seqs).toEqual(b.seqs);
      expect(result.returned).toEqual([]);
      expect(result.failures).toEqual(Array.from({ length: b.count }, (_, index) => ({ index, error: { name: 'Error', message: expect.stringMatching(reason) } })));
    }
  });

  it('fails start with a UsageError when the module or the export is bad', async () => {
    await expect(start('tasks.ts', { fn: 'nope' })).rejects.toThrow(new UsageError('`test/fixtures/tasks.ts` has no function export `nope` (it exports: handleJob, noop, notAFunction, returnsFunction)'));
    const broken = path.join(scratch, 'broken.mjs');
    writeFileSync(broken, 'export const handleJob = (;\n');
    await expect(start('', { url: pathToFileURL(broken).href, threads: 2 })).rejects.toThrow(/^cannot load task module `.*broken\.mjs`: SyntaxError: /);
    await expect(start('throws-on-load.mjs')).rejects.toThrow(new UsageError('cannot load task module `test/fixtures/throws-on-load.mjs`: RangeError: bad configuration'));
  });

  it('salvages a batch whose handler calls process.exit: the culprit failed, every other job returned, those before it too', async () => {
    const pool = await start('exits.ts');
    // Seqs 0, 1, 20, 21, 22: the culprit (seq 20) opens the second run.
    const result = await pool.run(batch([{ n: 0 }, { n: 1 }, { n: 2, exit: 3 }, { n: 3 }, { n: 4 }], [0, 2, 20, 3]), false);
    expect(result).toEqual({
      seqs: [20, 1],
      failures: [{ index: 0, error: { name: 'Error', message: expect.stringMatching(/^worker thread died: .*code: 3/) } }],
      returned: [0, 2, 21, 2],
      ms: 0,
    });
    // piscina replaced the thread: the next batch runs.
    expect(await pool.run(batch([{ n: 7 }], [5, 1]), true)).toMatchObject({ seqs: [5, 1], failures: [], results: [7], returned: [] });
  });

  it('hands back the finished jobs of a dead batch when their results were wanted', async () => {
    const pool = await start('exits.ts');
    const result = await pool.run(batch([{ n: 0 }, { n: 1, exit: 1 }, { n: 2 }], [30, 3]), true);
    expect(ran(result)).toMatchObject([{ seq: 31, ok: false, error: { message: expect.stringMatching(/^worker thread died: /) } }]);
    expect(result.results).toEqual([undefined]);
    expect(expandRuns(result.returned)).toEqual([30, 32]);
  });

  it('hands back, not ok, a job that threw before its thread died: its failure died with the thread', async () => {
    const pool = await start('exits.ts');
    const doomed = batch([{ n: 0, throws: 'no good' }, { n: 1, exit: 2 }, { n: 2 }], [50, 3]);
    for (const wantResults of [false, true]) {
      const result = await pool.run(doomed, wantResults);
      // The thrower is not reported ok, nor failed (its error is gone): it is returned, to run again.
      expect(ran(result).filter((r) => r.ok)).toEqual([]);
      expect(ran(result)).toMatchObject([{ seq: 51, ok: false, error: { message: expect.stringMatching(/^worker thread died: .*code: 2/) } }]);
      expect(expandRuns(result.returned)).toEqual([50, 52]);
    }
  });

  it('fails a job that returns a function, and keeps the thread', async () => {
    const pool = await start('tasks.ts', { fn: 'returnsFunction' });
    const result = await pool.run(batch(['top', 'top']), true);
    expect(result.returned).toEqual([]);
    expect(result.failures).toEqual([
      { index: 0, error: { name: 'TypeError', message: 'returnsFunction returned a result that cannot be sent back: a function, which would arrive as undefined' } },
      { index: 1, error: expect.objectContaining({ name: 'TypeError' }) },
    ]);
    expect(await pool.run(batch(['top']), false)).toMatchObject({ seqs: [0, 1], failures: [], returned: [] });
  });

  it('fails a job whose result holds a function deep down, naming where, and keeps the other results', async () => {
    const pool = await start('tasks.ts', { fn: 'returnsFunction' });
    const result = await pool.run(batch(['plain', 'nested'], [8, 2]), true);
    expect(result.seqs).toEqual([8, 2]);
    expect(result.returned).toEqual([]);
    expect(result.results).toEqual([{ plain: true }, undefined]);
    expect(result.failures).toEqual([
      { index: 1, error: { name: 'TypeError', message: 'returnsFunction returned a result that cannot be sent back: a function at .f, which would arrive as undefined' } },
    ]);
  });

  it('times out a blocking job, kills its thread, and keeps working', async () => {
    const pool = await start('blocks.ts', { jobTimeout: 200 });
    const result = await pool.run(batch([{ n: 0 }, { n: 1, spin: true }, { n: 2 }]), false);
    expect(result).toMatchObject({ seqs: [1, 1], failures: [{ index: 0, error: { name: 'Error', message: 'timed out after 200 ms' } }], ms: 0 });
    expect(expandRuns(result.returned)).toEqual([0, 2]); // job 0 finished, but its outcome died with the thread
    expect((await pool.run(batch([{ n: 9 }]), true)).results).toEqual([9]);
  });

  it('does not time out a batch whose jobs keep finishing', async () => {
    const pool = await start('blocks.ts', { jobTimeout: 50 });
    // 200 jobs of 1 ms: several times the timeout in all, far under it each.
    const result = await pool.run(batch(Array.from({ length: 200 }, (_, n) => ({ n, sleep: 1 }))), false);
    expect(result).toMatchObject({ seqs: [0, 200], failures: [], returned: [] });
  });

  it("hands back every job of a batch that shared a thread killed for another batch's job", async () => {
    const pool = await start('blocks.ts', { concurrency: 2 });
    expect(pool.maxBatches).toBe(4); // one thread, two lanes: up to a batch per lane, as many again waiting
    pool.jobTimeout = 200; // as a slave does once the master's WELCOME says
    // One thread: a batch whose second job never settles, and one that keeps moving (1 ms a job)
    // on the lane left free; it is still moving, with jobs finished, when the watchdog acts.
    const stuck = pool.run(batch([{ n: 0 }, { n: 1, hang: true }], [10_000, 2]), false);
    const moving = pool.run(batch(Array.from({ length: 5_000 }, (_, n) => ({ n, sleep: 1 }))), false);
    expect(await stuck).toEqual({ seqs: [10_001, 1], failures: [{ index: 0, error: { name: 'Error', message: 'timed out after 200 ms' } }], returned: [10_000, 1], ms: 0 });
    // The job it was on comes back, not failed, with all before and after it.
    expect(await moving).toEqual({ seqs: [], failures: [], returned: [0, 5_000], ms: 0 });
  });

  it('drains a running batch on close, and takes no new batch', async () => {
    const pool = await start('blocks.ts', { concurrency: 2 });
    const { name, started, open } = gate();
    const running = pool.run(batch([{ n: 1, gate: name }, { n: 2 }]), true);
    await started;
    let closedYet = false;
    const closed = pool.close().then(() => (closedYet = true));
    // A slot is free, yet the new batch comes back unstarted.
    expect(await pool.run(batch([{ n: 3 }], [5, 1]), true)).toEqual({ seqs: [], failures: [], returned: [5, 1], ms: 0 });
    expect(closedYet).toBe(false);
    open();
    await closed;
    expect(await running).toMatchObject({ seqs: [0, 2], failures: [], results: [1, 2], returned: [] });
    await pool.close();
  });

  it('calls off a batch waiting in its thread, handing all its jobs back, and lets the running one finish', async () => {
    const pool = await start('blocks.ts');
    expect(pool.maxBatches).toBe(2); // one thread: one batch running, one waiting its turn in the thread
    const { name, started, open } = gate();
    const running = pool.run(batch([{ n: 1, gate: name }, { n: 2 }]), false);
    await started;
    const waiting = pool.run(batch([{ n: 3 }, { n: 4 }], [7, 2]), false);
    pool.cancelWaiting();
    open();
    expect(await running).toMatchObject({ seqs: [0, 2], failures: [], returned: [] });
    expect(await waiting).toEqual({ seqs: [], failures: [], returned: [7, 2], ms: 0 });
    // The slot is reset: the next batch runs.
    expect(await pool.run(batch([{ n: 5 }], [9, 1]), false)).toMatchObject({ seqs: [9, 1], returned: [] });
  });

  it('destroy stops a running batch at once and hands back all its jobs, finished or not', async () => {
    const pool = await start('blocks.ts');
    const { name, started } = gate();
    const running = pool.run(batch([{ n: 0 }, { n: 1, gate: name }, { n: 2 }], [40, 3]), false);
    await started;
    await pool.destroy();
    const result = await running;
    expect(result).toMatchObject({ seqs: [], failures: [], ms: 0 });
    expect(expandRuns(result.returned)).toEqual([40, 41, 42]);
    await pool.destroy();
  });
});

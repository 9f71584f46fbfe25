import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandRuns } from '../../src/protocol/seq-runs.js';
import type { JobPool, PoolOptions } from '../../src/slave/pool.js';
import { within } from '../helpers/hostile-peer.js';
import { batch, usePools } from '../helpers/pools.js';

const kit = usePools('tm-lanes-');
const { scratch, gate } = kit;

/** A pool of one thread on test/fixtures/lanes.ts; destroyed after the test. */
function start(options: Partial<PoolOptions>): Promise<JobPool> {
  return kit.start('lanes.ts', options);
}

/** The most jobs the log file shows started and not yet ended at one time. */
function mostAtOnce(log: string): number {
  let now = 0;
  let most = 0;
  for (const line of readFileSync(log, 'utf8').trimEnd().split('\n')) {
    now += line.startsWith('start ') ? 1 : -1;
    most = Math.max(most, now);
  }
  return most;
}

describe('a thread with several lanes (concurrency > 1)', () => {
  it("runs jobs of the next batch on lanes the current batch's jobs leave free, oldest batch first", async () => {
    const pool = await start({ concurrency: 4 });
    const log = path.join(scratch, 'overlap.log');
    const { name, started, open } = gate();
    // Three batches of two jobs that wait at the gate: four lanes take the first two batches' jobs.
    const outcomes = [0, 1, 2].map((c) => pool.run(batch([0, 1].map((i) => ({ n: 2 * c + i, gate: name, log }))), true));
    // (Fewer lanes would never let four jobs reach the gate: fail then, rather than wait out the test.)
    expect((await within(started(4), 20_000, 'four jobs at the gate')).sort()).toEqual([0, 1, 2, 3]);
    // No job can end before the gate opens: these four ran at once, and the third batch waits.
    expect(readFileSync(log, 'utf8').trimEnd().split('\n').sort()).toEqual(['start 0', 'start 1', 'start 2', 'start 3']);
    open();
    const results = await Promise.all(outcomes);
    expect(results.map((r) => r.results)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(results.map((r) => r.returned)).toEqual([[], [], []]);
    expect(mostAtOnce(log)).toBe(4);
  });

  it('runs at most `concurrency` jobs at once, and each batch replies as its last job ends', async () => {
    const pool = await start({ concurrency: 3 });
    const log = path.join(scratch, 'bounded.log');
    const outcomes = [0, 1, 2, 3].map((c) => pool.run(batch(Array.from({ length: 5 }, (_, i) => ({ n: 5 * c + i, sleep: 1, log })), [100 * c, 5]), false));
    const results = await Promise.all(outcomes);
    expect(results.map((r) => [r.seqs, r.failures, r.returned])).toEqual([0, 1, 2, 3].map((c) => [[100 * c, 5], [], []]));
    for (const { ms } of results) expect(ms).toBeGreaterThan(0);
    expect(mostAtOnce(log)).toBe(3);
  });

  it.each([
    ['calls process.exit', { exitAfter: 20 }, /^worker thread died: .*code: 4/],
    ['throws from a timer', { throwAfter: 20 }, /^worker thread died: job 4 blew up$/],
  ])('blames exactly the running jobs when one of them %s, and hands back those finished and those not started', async (_, kill, message) => {
    const pool = await start({ concurrency: 3 });
    const { name } = gate();
    // Job 0 finishes at once; 1 and 3 wait at a gate that never opens; 2 finishes and frees its
    // lane for 4, which kills the thread 20 ms later, with 1, 3 and 4 running and 5, 6 not started.
    const jobs = [{ n: 0 }, { n: 1, gate: name }, { n: 2, sleep: 1 }, { n: 3, gate: name }, { n: 4, ...kill }, { n: 5 }, { n: 6 }];
    for (const wantResults of [false, true]) {
      const result = await pool.run(batch(jobs, [10, 7]), wantResults);
      expect(expandRuns(result.seqs)).toEqual([11, 13, 14]);
      expect(result.failures).toEqual([0, 1, 2].map((index) => ({ index, error: { name: 'Error', message: expect.stringMatching(message) } })));
      if (wantResults) expect(result.results).toEqual([undefined, undefined, undefined]);
      expect(expandRuns(result.returned)).toEqual([10, 12, 15, 16]);
    }
    // piscina replaced the thread: the next batch runs.
    expect(await pool.run(batch([{ n: 7 }], [20, 1]), true)).toMatchObject({ seqs: [20, 1], failures: [], results: [7], returned: [] });
  });

  it("times out a hung job while other lanes keep finishing another batch's jobs: it is blamed, no other job is lost", async () => {
    // 1 s, not less: on a loaded 2-core machine a 1 ms job has been seen to take 200 ms, and
    // the bystanders must never time out themselves.
    const pool = await start({ concurrency: 4, jobTimeout: 1000 });
    // Job 1 never settles; the rest of its batch ends, and the other lanes go on to the next
    // batch, 10,000 jobs of at least 1 ms on three lanes (over 3 s): still moving when the watchdog acts.
    const stuck = pool.run(batch([{ n: 0, sleep: 1 }, { n: 1, hang: true }, ...[2, 3, 4, 5].map((n) => ({ n, sleep: 1 }))]), false);
    const moving = pool.run(batch(Array.from({ length: 10_000 }, (_, n) => ({ n, sleep: 1 })), [100, 10_000]), false);
    // Behind it, not yet started when the thread is killed.
    const queued = pool.run(batch([{ n: 0 }], [50_000, 1]), false);
    expect(await stuck).toEqual({ seqs: [1, 1], failures: [{ index: 0, error: { name: 'Error', message: 'timed out after 1000 ms' } }], returned: [0, 1, 2, 4], ms: 0 });
    // A bystander: its running jobs are not to blame, and its finished ones' outcomes died with the thread.
    expect(await moving).toEqual({ seqs: [], failures: [], returned: [100, 10_000], ms: 0 });
    expect(await queued).toEqual({ seqs: [], failures: [], returned: [50_000, 1], ms: 0 });
    expect(await pool.run(batch([{ n: 9 }]), true)).toMatchObject({ seqs: [0, 1], failures: [], results: [9], returned: [] });
  });

  it('wants small batches until every lane has a job and as many wait, and big ones two at a time', async () => {
    const pool = await start({ concurrency: 4 });
    expect(pool.lanes).toBe(4);
    const { name, started, open } = gate();
    // Batches of one slow job (slow jobs come in small batches): two per thread would leave lanes idle.
    const small: Array<Promise<unknown>> = [];
    while (pool.wantsBatch) small.push(pool.run(batch([{ n: small.length, gate: name }], [small.length, 1]), false));
    expect(small).toHaveLength(8);
    expect((await within(started(4), 20_000, 'four jobs at the gate')).sort()).toEqual([0, 1, 2, 3]);
    open();
    await Promise.all(small);
    // Batches of more jobs than the lanes: one running, one to start as it ends.
    const big: Array<Promise<unknown>> = [];
    while (pool.wantsBatch) big.push(pool.run(batch(Array.from({ length: 8 }, (_, n) => ({ n }))), false));
    expect(big).toHaveLength(2);
    await Promise.all(big);
    expect(pool.wantsBatch).toBe(true);
  });

  it('calls off the batches not yet started, however many lanes run, and lets the started ones finish', async () => {
    const pool = await start({ concurrency: 2 });
    const { name, started, open } = gate();
    // The first batch's two jobs take both lanes; the second batch has not started.
    const running = pool.run(batch([{ n: 0, gate: name }, { n: 1, gate: name }]), true);
    const waiting = pool.run(batch([{ n: 2 }, { n: 3 }], [7, 2]), true);
    await started(2);
    pool.cancelWaiting();
    expect(await waiting).toEqual({ seqs: [], failures: [], returned: [7, 2], ms: 0 });
    open();
    expect(await running).toMatchObject({ seqs: [0, 2], failures: [], results: [0, 1], returned: [] });
    // The called-off batch's slot is free again once its thread has skipped it.
    expect(await pool.run(batch([{ n: 5 }], [9, 1]), true)).toMatchObject({ seqs: [9, 1], results: [5], returned: [] });
  });
});

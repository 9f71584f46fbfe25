import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandRuns } from '../../src/protocol/seq-runs.js';
import type { BatchResult, JobPool, OnPartial, PoolOptions } from '../../src/slave/pool.js';
import { within } from '../helpers/hostile-peer.js';
import { batch, usePools } from '../helpers/pools.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { countLines, range, readRecord, tally } from '../helpers/record.js';
import { useTestDir } from '../helpers/test-dir.js';

const kit = usePools('tm-partial-');
const { gate } = kit;

/** A pool of one thread on test/fixtures/lanes.ts; destroyed after the test. */
function start(options: Partial<PoolOptions>): Promise<JobPool> {
  return kit.start('lanes.ts', options);
}

/** Takes a batch's partial results; `covering(k)` resolves with them once they hold k jobs in all. */
function partials(): { readonly results: BatchResult[]; readonly onPartial: OnPartial; covering(k: number): Promise<BatchResult[]> } {
  const results: BatchResult[] = [];
  let jobs = 0;
  let waiter: { k: number; resolve: (results: BatchResult[]) => void } | undefined;
  return {
    results,
    onPartial: (result) => {
      results.push(result);
      jobs += expandRuns(result.seqs).length;
      if (waiter !== undefined && jobs >= waiter.k) waiter.resolve([...results]);
    },
    covering: (k) => new Promise((resolve) => (jobs >= k ? resolve([...results]) : (waiter = { k, resolve }))),
  };
}

/** Each job a result reports, by seq: its error, or its result (when wanted). */
function jobsOf({ seqs, failures, results }: BatchResult): Array<{ seq: number; error?: string; result?: unknown }> {
  const errors = new Map(failures.map((f) => [f.index, f.error.message]));
  return expandRuns(seqs).map((seq, i) => {
    const error = errors.get(i);
    if (error !== undefined) return { seq, error };
    return results === undefined ? { seq } : { seq, result: results[i] };
  });
}

describe('partial reports of a batch waiting on a slow job', () => {
  it.each([true, false])('reports the jobs that finished while one waits at a gate before it opens, then only that one (results wanted: %s)', async (wantResults) => {
    const pool = await start({ concurrency: 4 });
    const { name, started, open } = gate();
    // Seqs 100…109: job 3 waits at the gate, job 7 fails, the others end at once.
    const jobs = range(10).map((n) => (n === 3 ? { n, gate: name } : n === 7 ? { n, fail: 'no good' } : { n }));
    const seen = partials();
    const order: string[] = [];
    const outcome = pool.run(batch(jobs, [100, 10]), wantResults, (result) => {
      order.push('partial');
      seen.onPartial(result);
    });
    void outcome.then(() => order.push('final'));
    await within(started(1), 20_000, 'job 3 at the gate');
    const early = await within(seen.covering(9), 20_000, 'partial reports of the 9 jobs not gated');
    // The gate is closed still: all nine came before the batch was done, each once, none returned.
    const reported = early.flatMap(jobsOf);
    expect(reported.map((job) => job.seq).sort((a, b) => a - b)).toEqual([100, 101, 102, 104, 105, 106, 107, 108, 109]);
    for (const job of reported) {
      if (job.seq === 107) expect(job).toEqual({ seq: 107, error: 'no good' });
      else expect(job).toEqual(wantResults ? { seq: job.seq, result: job.seq - 100 } : { seq: job.seq });
    }
    for (const result of early) {
      expect(result.returned).toEqual([]);
      expect(result.ms).toBeGreaterThanOrEqual(0);
      if (!wantResults) expect(result).not.toHaveProperty('results');
    }
    open();
    expect(await outcome).toEqual({ seqs: [103, 1], failures: [], ...(wantResults && { results: [3] }), returned: [], ms: expect.any(Number) });
    // The batch's result comes after every partial report, never before one.
    expect(order).toEqual([...early.map(() => 'partial'), 'final']);
  });

  it('counts reported jobs as no longer held, so that its threads take another batch', async () => {
    const pool = await start({ concurrency: 4 });
    const { name, open } = gate();
    const seen = partials();
    // Two batches, 14 jobs: more than two per lane. Job 0 of the first waits, the second's all do.
    const first = pool.run(batch(range(10).map((n) => (n === 0 ? { n, gate: name } : { n }))), false, seen.onPartial);
    const second = pool.run(batch([10, 11, 12, 13].map((n) => ({ n, gate: name })), [10, 4]), false);
    expect(pool.wantsBatch).toBe(false);
    await within(seen.covering(9), 20_000, 'partial reports of the 9 jobs not gated');
    // Five jobs held now, under two per lane.
    expect(pool.wantsBatch).toBe(true);
    open();
    expect(await first).toMatchObject({ seqs: [0, 1], returned: [] });
    expect(await second).toMatchObject({ seqs: [10, 4], returned: [] });
  });

  it.each([false, true])(
    'leaves out of a dead thread\'s salvage the jobs whose partial report arrived: the rest are blamed or returned (results wanted: %s)',
    async (wantResults) => {
      const pool = await start({ concurrency: 3 });
      const never = gate();
      const exit = gate();
      // Seqs 10…16 over three lanes: 0 and 1 end at once, freeing lanes for 3 and 4; 2 waits for good.
      // Once 0 and 1 are reported, the exit gate opens: 4 ends, freeing its lane for 5, then 3 kills
      // the thread with 2, 3 and 5 running, 4 finished but not reported, and 6 not started.
      const jobs = [{ n: 0 }, { n: 1 }, { n: 2, gate: never.name }, { n: 3, gate: exit.name, exit: true }, { n: 4, gate: exit.name }, { n: 5, gate: never.name }, { n: 6 }];
      const seen = partials();
      const outcome = pool.run(batch(jobs, [10, 7]), wantResults, seen.onPartial);
      expect(await within(seen.covering(2), 20_000, 'a partial report of jobs 0 and 1')).toEqual([
        { seqs: [10, 2], failures: [], ...(wantResults && { results: [0, 1] }), returned: [], ms: expect.any(Number) },
      ]);
      expect((await within(exit.started(2), 20_000, 'jobs 3 and 4 at the exit gate')).sort()).toEqual([3, 4]);
      exit.open();
      const result = await outcome;
      expect(expandRuns(result.seqs)).toEqual([12, 13, 15]);
      expect(result.failures).toEqual([0, 1, 2].map((index) => ({ index, error: { name: 'Error', message: expect.stringMatching(/^worker thread died: .*code: 4/) } })));
      if (wantResults) expect(result.results).toEqual([undefined, undefined, undefined]);
      expect(expandRuns(result.returned)).toEqual([14, 16]);
      expect(seen.results).toHaveLength(1);
    },
  );
});

describe('a run with a straggler, over real processes', () => {
  const dir = useTestDir();

  it('records the other jobs of its batch while the straggler runs, then each job exactly once', async () => {
    const n = 40;
    const [results, started, gateFile] = ['results.txt', 'started.txt', 'gate'].map((name) => join(dir.path, name)) as [string, string, string];
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const env = { TM_RESULTS: results, TM_STARTED: started, TM_GATE: gateFile };
    const task = join(FIXTURES, 'straggler.ts');
    const master = runBin('tm-master', [task, `n=${n}`, '--address', address, '--state', join(dir.path, 'run.state.json'), '--no-progress'], { cwd: dir.path, env });
    await master.waitFor(/listening on/);
    // One thread of four lanes: the first batch (two jobs a lane) holds the straggler, job 0, and seven others.
    const slave = runBin('tm-slave', [task, '--address', address, '--threads', '1', '--concurrency', '4'], { cwd: dir.path, env });
    await expect.poll(() => countLines(results), { timeout: 30_000, interval: 10 }).toBe(n - 1);
    // Job 0 is running still: its batch's other jobs were reported without it.
    expect(readRecord(started).map((line) => line.job)).toEqual([0]);
    expect(readRecord(results).map((line) => line.job)).not.toContain(0);
    expect(master.child.exitCode).toBeNull();
    writeFileSync(gateFile, '');
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(tally(readRecord(results), range(n))).toMatchObject({ missing: [], reran: [] });
    expect(countLines(results)).toBe(n);
  }, 60_000);
});

/** Setup shared by the tests of the slave's pool: pools on fixture modules, gate channels, batches. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { afterAll, afterEach } from 'vitest';
import { resolveModule } from '../../src/task/load.js';
import { pack } from '../../src/protocol/codec.js';
import { runsLength, type SeqRuns } from '../../src/protocol/seq-runs.js';
import { JobPool, type Batch, type PoolOptions } from '../../src/slave/pool.js';
import { FIXTURES } from './processes.js';

/** What a test file of pools gets: a scratch dir, pools and channels that are cleaned up after each test. */
export interface PoolKit {
  /** A temp dir for the file's tests, removed after them all. */
  readonly scratch: string;
  /** A pool of one thread and one lane (unless told) on a module of test/fixtures/; destroyed after the test. */
  start(module: string, options?: Partial<PoolOptions>): Promise<JobPool>;
  /** A BroadcastChannel (a gate's test side), closed after the test. */
  channel(name: string): BroadcastChannel;
  /** A gate test/fixtures/lanes.ts jobs wait at (see `LanesGate`). */
  gate(): LanesGate;
}

/** A gate lanes.ts jobs wait at: `started(k)` resolves with the `n` of the first k jobs to reach it; `open` lets them all go. */
export interface LanesGate {
  readonly name: string;
  started(k: number): Promise<number[]>;
  open(): void;
}

let gates = 0;

/** Registers the file's hooks; call it at the top of a test file. */
export function usePools(prefix: string): PoolKit {
  const scratch = mkdtempSync(path.join(tmpdir(), prefix));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const pools: JobPool[] = [];
  const channels: BroadcastChannel[] = [];
  afterEach(async () => {
    for (const channel of channels.splice(0)) channel.close();
    await Promise.all(pools.splice(0).map((pool) => pool.destroy()));
  });
  const channel = (name: string): BroadcastChannel => {
    const opened = new BroadcastChannel(name);
    channels.push(opened);
    return opened;
  };
  return {
    scratch,
    async start(module, options = {}) {
      const url = options.url ?? resolveModule(module, FIXTURES);
      const pool = await JobPool.start({ url, fn: 'handleJob', threads: 1, concurrency: 1, jobTimeout: 0, ...options });
      pools.push(pool);
      return pool;
    },
    channel,
    gate() {
      const name = `${prefix}gate-${process.pid}-${gates++}`;
      const gate = channel(name);
      const arrived: number[] = [];
      let waiter: { k: number; resolve: (ns: number[]) => void } | undefined;
      gate.onmessage = (event) => {
        arrived.push((event as { data: number }).data);
        if (waiter !== undefined && arrived.length >= waiter.k) waiter.resolve(arrived.slice(0, waiter.k));
      };
      return {
        name,
        started: (k) => new Promise((resolve) => (arrived.length >= k ? resolve(arrived.slice(0, k)) : (waiter = { k, resolve }))),
        open: () => gate.postMessage('open'),
      };
    },
  };
}

/** A batch as a slave receives it: `jobs` packed, seqs as runs (from 0 unless given). */
export function batch(jobs: readonly unknown[], seqs: SeqRuns = [0, jobs.length], attempts?: readonly number[]): Batch {
  return { seqs, ...(attempts && { attempts }), jobs: pack(jobs), count: runsLength(seqs) };
}

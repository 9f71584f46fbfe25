/**
 * joblog: what `--joblog` costs. The noop workload (1 slave, 2 threads) with a job log against
 * the same without one, runs alternating in one invocation; ratio < 1 is the cost. The job log
 * is a line of JSON per job, about 100 bytes, so a 4M-job run writes about 400 MB.
 */
import path from 'node:path';
import type { Topology } from '../lib/measure.js';
import { comparison, type Row, type Settings } from '../lib/report.js';
import { engine } from '../lib/topologies.js';
import { withAndWithout } from '../lib/with-and-without.js';

const TIMEOUT_MS = 10 * 60_000;

/** The master of `topology` keeping a job log in its run's temp dir. */
function withJobLog(topology: Topology): Topology {
  const { producer } = topology;
  return { ...topology, producer: { ...producer, args: (dir) => [...producer.args(dir), '--joblog', path.join(dir, 'jobs.jsonl')] } };
}

export async function joblog(settings: Settings): Promise<Row[]> {
  const jobs = settings.quick ? 1_000_000 : 4_000_000;
  const plain = engine({ task: 'noop', jobs, slaves: [{ threads: 2, concurrency: 1 }], timeoutMs: TIMEOUT_MS });
  const { e, b } = await withAndWithout(settings, 'joblog', '--joblog', 'without', withJobLog(plain), plain);
  return [comparison('joblog', jobs, e, b, 'noop without --joblog', 'noop with --joblog jobs/s / noop without jobs/s (medians)', null)];
}

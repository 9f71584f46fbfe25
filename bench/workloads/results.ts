/**
 * results: what `--results` costs. A no-op handler returning a 100-byte object, its results
 * written to a file, against noop (no result, no file), runs alternating in one invocation; the
 * issue's target is at least half of noop's jobs/s. Each line is about 140 bytes, so a 2M-job run
 * writes about 280 MB.
 */
import path from 'node:path';
import type { Topology } from '../lib/measure.js';
import { comparison, type Row, type Settings } from '../lib/report.js';
import { engine } from '../lib/topologies.js';
import { withAndWithout } from '../lib/with-and-without.js';

const TIMEOUT_MS = 10 * 60_000;
const TARGET = 0.5;

/** The master of `topology` writing its results to a file in its run's temp dir. */
function withResults(topology: Topology): Topology {
  const { producer } = topology;
  return { ...topology, producer: { ...producer, args: (dir) => [...producer.args(dir), '--results', path.join(dir, 'results.jsonl')] } };
}

export async function results(settings: Settings): Promise<Row[]> {
  const jobs = settings.quick ? 1_000_000 : 2_000_000;
  const slaves = [{ threads: 2, concurrency: 1 }];
  const written = withResults(engine({ task: 'results', jobs, slaves, timeoutMs: TIMEOUT_MS }));
  const noop = engine({ task: 'noop', jobs, slaves, timeoutMs: TIMEOUT_MS });
  const { e, b } = await withAndWithout(settings, 'results', '--results', 'noop', written, noop);
  return [comparison('results', jobs, e, b, 'noop (no result, no --results)', 'results jobs/s (100-byte result, --results FILE) / noop jobs/s (medians)', TARGET)];
}

/**
 * results: what `--results` costs. A no-op handler returning a 100-byte object, its results
 * written to a file, against noop (no result, no file), runs alternating in one invocation; the
 * issue's target is at least half of noop's jobs/s. Each line is about 140 bytes, so a 2M-job run
 * writes about 280 MB.
 */
import path from 'node:path';
import { measure, type Measure, type Topology } from '../lib/measure.js';
import { describeRun, engineFields, medians, round, type Row, type Settings } from '../lib/report.js';
import { engine } from '../lib/topologies.js';

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
  const withFile: Measure[] = [];
  const without: Measure[] = [];
  for (let i = 1; i <= settings.runs; i++) {
    withFile.push(await measure(written));
    settings.log(describeRun(`results ${i}/${settings.runs} with --results`, withFile.at(-1)!));
    without.push(await measure(noop));
    settings.log(describeRun(`results ${i}/${settings.runs} noop`, without.at(-1)!));
  }
  const e = medians(withFile);
  const b = medians(without);
  const ratio = e.jobsPerS / b.jobsPerS;
  return [
    {
      name: 'results',
      jobs,
      ...engineFields(e),
      baseline: 'noop (no result, no --results)',
      baseline_jobs_per_s: Math.round(b.jobsPerS),
      baseline_seconds: round(b.seconds, 3),
      baseline_samples_jobs_per_s: b.samples,
      baseline_peak_rss_mb: round(Math.max(b.producerRssMb, b.consumerRssMb), 1),
      ratio: round(ratio, 3),
      ratio_of: 'results jobs/s (100-byte result, --results FILE) / noop jobs/s (medians)',
      target: `>= ${TARGET}`,
      pass: ratio >= TARGET,
    },
  ];
}

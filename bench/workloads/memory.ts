/** memory: peak RSS of master and slave on a no-op run 10 times longer must stay flat. */
import { measure, type Measure } from '../lib/measure.js';
import { describeRun, engineFields, medians, round, type Row, type Settings } from '../lib/report.js';
import { engine } from '../lib/topologies.js';

const GROWTH = 1.15;
const MASTER_MB = 200;

export async function memory(settings: Settings): Promise<Row[]> {
  const [small, large] = settings.quick ? [200_000, 2_000_000] : [1_000_000, 10_000_000];
  const runs = settings.quick ? 1 : settings.runs;
  const smallRuns: Measure[] = [];
  const largeRuns: Measure[] = [];
  for (let i = 1; i <= runs; i++) {
    for (const [jobs, into] of [[small, smallRuns], [large, largeRuns]] as const) {
      into.push(await measure(engine({ task: 'noop', jobs, slaves: [{ threads: 2, concurrency: 1 }], timeoutMs: 30 * 60_000 })));
      settings.log(describeRun(`memory ${jobs.toLocaleString('en-US')} ${i}/${runs}`, into.at(-1)!));
    }
  }
  const s = medians(smallRuns);
  const l = medians(largeRuns);
  const masterGrowth = l.producerRssMb / s.producerRssMb;
  const slaveGrowth = l.consumerRssMb / s.consumerRssMb;
  return [
    {
      name: 'memory',
      jobs: large,
      ...engineFields(l),
      baseline: `the same run with ${small} jobs`,
      baseline_jobs_per_s: Math.round(s.jobsPerS),
      small_jobs: small,
      small_master_peak_rss_mb: round(s.producerRssMb, 1),
      small_slave_peak_rss_mb: round(s.consumerRssMb, 1),
      master_rss_growth: round(masterGrowth, 3),
      slave_rss_growth: round(slaveGrowth, 3),
      ratio: round(Math.max(masterGrowth, slaveGrowth), 3),
      ratio_of: `peak RSS of the ${large}-job run / the ${small}-job run, the worse of master and slave (medians)`,
      target: `<= ${GROWTH} for master and slave, master < ${MASTER_MB} MB`,
      pass: masterGrowth <= GROWTH && slaveGrowth <= GROWTH && l.producerRssMb < MASTER_MB,
      samples_master_peak_rss_mb: largeRuns.map((m) => round(m.producerRssMb, 1)),
      samples_slave_peak_rss_mb: largeRuns.map((m) => round(m.consumerRssMb, 1)),
    },
  ];
}

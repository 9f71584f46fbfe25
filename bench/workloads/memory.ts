/**
 * memory: peak RSS of master and slave on no-op runs of 40M and 120M jobs (4M and 12M with
 * --quick) at the defaults: each under 100 MB, and the longer run within 1.10 x the shorter.
 * `memory` runs noop.ts (tsx in the master and in every slave thread, --runs times),
 * `memory-mjs` the same jobs as plain JavaScript (once: what TypeScript costs is the difference).
 */
import { measure, type Measure } from '../lib/measure.js';
import { describeRun, engineFields, medians, round, type Row, type Settings } from '../lib/report.js';
import { engine } from '../lib/topologies.js';

const GROWTH = 1.1;
/** The most either process may hold, master or slave. */
const MAX_MB = 100;

export async function memory(settings: Settings): Promise<Row[]> {
  return [await memoryRow(settings, 'memory', '.ts', settings.quick ? 1 : settings.runs), await memoryRow(settings, 'memory-mjs', '.mjs', 1)];
}

async function memoryRow(settings: Settings, name: string, ext: '.ts' | '.mjs', runs: number): Promise<Row> {
  const [small, large] = settings.quick ? [4_000_000, 12_000_000] : [40_000_000, 120_000_000];
  const smallRuns: Measure[] = [];
  const largeRuns: Measure[] = [];
  for (let i = 1; i <= runs; i++) {
    for (const [jobs, into] of [[small, smallRuns], [large, largeRuns]] as const) {
      into.push(await measure(engine({ task: 'noop', ext, jobs, slaves: [{ threads: 2, concurrency: 1 }], timeoutMs: 60 * 60_000 })));
      settings.log(describeRun(`${name} ${jobs.toLocaleString('en-US')} ${i}/${runs}`, into.at(-1)!));
    }
  }
  const s = medians(smallRuns);
  const l = medians(largeRuns);
  const masterGrowth = l.producerRssMb / s.producerRssMb;
  const slaveGrowth = l.consumerRssMb / s.consumerRssMb;
  return {
    name,
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
    target: `<= ${GROWTH} for master and slave, each < ${MAX_MB} MB`,
    pass: masterGrowth <= GROWTH && slaveGrowth <= GROWTH && l.producerRssMb < MAX_MB && l.consumerRssMb < MAX_MB,
    samples_master_peak_rss_mb: largeRuns.map((m) => round(m.producerRssMb, 1)),
    samples_slave_peak_rss_mb: largeRuns.map((m) => round(m.consumerRssMb, 1)),
  };
}

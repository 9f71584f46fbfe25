/** The figures a workload reports: one JSON row each, with medians over its runs. */
import { availableParallelism } from 'node:os';
import type { Measure } from './measure.js';

/** One line of the bench's JSON output. Field names are the issue's; extras say how a figure was made. */
export interface Row {
  readonly name: string;
  readonly jobs: number;
  readonly runs: number;
  /** Median seconds of the engine (or the floor itself) from the first ready slave to the master's summary. */
  readonly seconds: number;
  readonly jobs_per_s: number;
  readonly baseline: string | null;
  readonly baseline_jobs_per_s: number | null;
  readonly ratio: number | null;
  /** What `ratio` divides by what. */
  readonly ratio_of: string | null;
  readonly target: string | null;
  readonly pass: boolean | null;
  readonly master_peak_rss_mb: number | null;
  readonly slave_peak_rss_mb: number | null;
  readonly cores: number;
  readonly [extra: string]: unknown;
}

/** The fields of a row that is measured alone, against no baseline and no target. */
export const NO_BASELINE = { baseline: null, baseline_jobs_per_s: null, ratio: null, ratio_of: null, target: null, pass: null } as const;

/** Settings every workload gets from the command line. */
export interface Settings {
  readonly quick: boolean;
  /** Runs of each side of a comparison (engine, baseline), alternating. */
  readonly runs: number;
  /** Jobs per slave slot in the tail bound (see workloads/tail.ts). */
  readonly tailSlotJobs: number;
  /** Jobs of the billion workload (`--billion-jobs`). */
  readonly billionJobs: number;
  /** Progress for people, on stderr. */
  readonly log: (line: string) => void;
}

export const CORES = availableParallelism();

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Medians of each figure over runs of one side. */
export interface Medians extends Omit<Measure, 'jobs'> {
  readonly runs: number;
  /** Every run's jobs/s, to show the spread. */
  readonly samples: readonly number[];
}

export function medians(measures: readonly Measure[]): Medians {
  const of = (pick: (m: Measure) => number): number => median(measures.map(pick));
  return {
    runs: measures.length,
    seconds: of((m) => m.seconds),
    jobsPerS: of((m) => m.jobsPerS),
    reportedJobsPerS: of((m) => m.reportedJobsPerS),
    wallSeconds: of((m) => m.wallSeconds),
    producerRssMb: of((m) => m.producerRssMb),
    consumerRssMb: of((m) => m.consumerRssMb),
    samples: measures.map((m) => Math.round(m.jobsPerS)),
  };
}

/** Rounds to `digits` decimals, for JSON people read too. */
export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The row fields an engine side's medians fill in. */
export function engineFields(m: Medians): Pick<Row, 'runs' | 'seconds' | 'jobs_per_s' | 'master_peak_rss_mb' | 'slave_peak_rss_mb' | 'cores'> & Record<string, unknown> {
  return {
    runs: m.runs,
    seconds: round(m.seconds, 3),
    jobs_per_s: Math.round(m.jobsPerS),
    master_peak_rss_mb: round(m.producerRssMb, 1),
    slave_peak_rss_mb: round(m.consumerRssMb, 1),
    cores: CORES,
    samples_jobs_per_s: m.samples,
    master_reported_jobs_per_s: Math.round(m.reportedJobsPerS),
    wall_s: round(m.wallSeconds, 2),
  };
}

/** One line of progress about a finished run. */
export function describeRun(label: string, m: Measure): string {
  const rss = m.consumerRssMb > 0 ? `, RSS ${m.producerRssMb.toFixed(0)} + ${m.consumerRssMb.toFixed(0)} MB` : `, RSS ${m.producerRssMb.toFixed(0)} MB`;
  return `${label}: ${Math.round(m.jobsPerS).toLocaleString('en-US')} jobs/s (${m.seconds.toFixed(2)} s${rss})`;
}

/** The row of a run (`e`) against its baseline (`b`), with what the ratio divides; `target`: the least ratio that passes, or none. */
export function comparison(name: string, jobs: number, e: Medians, b: Medians, baseline: string, ratioOf: string, target: number | null): Row {
  const ratio = e.jobsPerS / b.jobsPerS;
  return {
    name,
    jobs,
    ...engineFields(e),
    baseline,
    baseline_jobs_per_s: Math.round(b.jobsPerS),
    baseline_seconds: round(b.seconds, 3),
    baseline_samples_jobs_per_s: b.samples,
    baseline_peak_rss_mb: round(Math.max(b.producerRssMb, b.consumerRssMb), 1),
    ratio: round(ratio, 3),
    ratio_of: ratioOf,
    target: target === null ? null : `>= ${target}`,
    pass: target === null ? null : ratio >= target,
  };
}

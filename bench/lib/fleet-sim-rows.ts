/** The rows of the fleet-sim workload (workloads/fleet-sim.ts): its shapes, what a run measures, and the figures against their targets. */
import { CORES, median, NO_BASELINE, round, type Row } from './report.js';
import { spread } from './spread.js';

/** The `--lease` of the lease runs. */
export const LEASE_MS = 2000;

export interface Shape {
  readonly slaves: number;
  readonly lanes: number;
  readonly ms: number;
}

/** One timed run's figures. */
export interface SimMeasure {
  readonly seconds: number;
  readonly jobsPerS: number;
  readonly cpuSeconds: number;
  readonly rssMb: number;
  readonly jobsPerSlave: readonly number[];
  /** Spawn to exit of `tm-status`, and the median of five GET /status.json; undefined if the run ended first. */
  readonly tmStatusS: number | undefined;
  readonly statusJsonMs: number | undefined;
  /** From a slave going silent to the master's requeue line (lease runs only). */
  readonly requeueS: number | undefined;
  /** Slaves that had no QUIT when the master had exited, and slaves let go (lease) that said HELLO again. */
  readonly withoutQuit: number;
  readonly rehellos: number;
}

/** A simulator's last line. */
export interface SimEnd {
  readonly done: number[];
  readonly rehellos: number;
  readonly withoutQuit: number;
}

/** Jobs a second the handlers allow (lanes × 1000 / ms); undefined for 0 ms. */
export function idealRate({ slaves, lanes, ms }: Shape): number | undefined {
  return ms === 0 ? undefined : (slaves * lanes * 1000) / ms;
}

/** A shape's name in rows and logs: `1000x8-5ms`. */
export const key = (shape: Shape): string => `${shape.slaves}x${shape.lanes}-${shape.ms}ms`;

/** The median of the defined values, or null when none is. */
function medianOf(values: ReadonlyArray<number | undefined>, digits: number): number | null {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? null : round(median(known), digits);
}

/** The row of a shape's runs, against the 10-slave shape's (`base`) unless it is that one. */
export function row(shape: Shape, jobs: number, runs: readonly SimMeasure[], base: readonly SimMeasure[] | undefined): Row {
  const jobsPerS = median(runs.map((m) => m.jobsPerS));
  const baseJobsPerS = base && median(base.map((m) => m.jobsPerS));
  const fair = runs.map((m) => spread(m.jobsPerSlave));
  const rss = median(runs.map((m) => m.rssMb));
  const tmStatus = medianOf(runs.map((m) => m.tmStatusS), 2);
  const ratio = baseJobsPerS === undefined ? null : jobsPerS / baseJobsPerS;
  const target = shape.slaves === 1000 ? 0.8 : null;
  const ideal = idealRate(shape);
  return {
    name: `fleet-sim-${key(shape)}`,
    jobs,
    runs: runs.length,
    seconds: round(median(runs.map((m) => m.seconds)), 3),
    jobs_per_s: Math.round(jobsPerS),
    samples_jobs_per_s: runs.map((m) => Math.round(m.jobsPerS)),
    ...(baseJobsPerS === undefined
      ? NO_BASELINE
      : {
          baseline: `the 10-slave shape, ${shape.lanes} lanes, ${shape.ms} ms (fleet-sim-${key({ ...shape, slaves: 10 })})`,
          baseline_jobs_per_s: Math.round(baseJobsPerS),
          ratio: round(ratio!, 3),
          ratio_of: `jobs/s with ${shape.slaves} slaves / with 10 (medians, from the jobs' release to the summary)`,
          target: target === null ? null : `>= ${target}`,
          pass: target === null ? null : ratio! >= target,
        }),
    master_peak_rss_mb: round(rss, 1),
    slave_peak_rss_mb: null,
    cores: CORES,
    slaves: shape.slaves,
    lanes_per_slave: shape.lanes,
    handler_ms: shape.ms,
    ideal_jobs_per_s: ideal === undefined ? null : Math.round(ideal),
    master_cpu_s: round(median(runs.map((m) => m.cpuSeconds)), 2),
    master_cpu_us_per_job: round(median(runs.map((m) => (m.cpuSeconds * 1e6) / jobs)), 2),
    master_rss_target: '< 200 MB',
    master_rss_pass: rss < 200,
    jobs_per_slave_min: median(fair.map((s) => s.min)),
    jobs_per_slave_median: median(fair.map((s) => s.median)),
    jobs_per_slave_max: median(fair.map((s) => s.max)),
    jobs_per_slave_cv: round(median(fair.map((s) => s.cv)), 3),
    tm_status_s: tmStatus,
    tm_status_target: '< 1 s',
    tm_status_pass: tmStatus === null ? null : tmStatus < 1,
    status_json_ms: medianOf(runs.map((m) => m.statusJsonMs), 1),
    ...oddities(runs),
  };
}

/** What no run should have, summed over the runs: slaves left without a QUIT, slaves let go by their lease (but the silenced one) that came back. */
function oddities(runs: readonly SimMeasure[]): Record<string, number> {
  return { slaves_without_quit: runs.reduce((sum, m) => sum + m.withoutQuit, 0), slaves_let_go_and_back: runs.reduce((sum, m) => sum + m.rehellos, 0) };
}

/** The row of a slave count's lease runs. */
export function leaseRow(slaves: number, jobs: number, runs: readonly SimMeasure[]): Row {
  const requeue = medianOf(runs.map((m) => m.requeueS), 2);
  const limit = LEASE_MS / 1000 + 1;
  return {
    name: `fleet-sim-lease-${slaves}`,
    jobs,
    runs: runs.length,
    seconds: round(median(runs.map((m) => m.seconds)), 3),
    jobs_per_s: Math.round(median(runs.map((m) => m.jobsPerS))),
    ...NO_BASELINE,
    target: `requeue <= ${limit} s (lease ${LEASE_MS} ms + 1 s)`,
    pass: requeue === null ? null : requeue <= limit,
    master_peak_rss_mb: round(median(runs.map((m) => m.rssMb)), 1),
    slave_peak_rss_mb: null,
    cores: CORES,
    slaves,
    lanes_per_slave: 8,
    handler_ms: 5,
    lease_ms: LEASE_MS,
    requeue_s: requeue,
    requeue_samples_s: runs.map((m) => (m.requeueS === undefined ? null : round(m.requeueS, 2))),
    ...oddities(runs),
  };
}


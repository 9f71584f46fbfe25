/**
 * startup and small-run: whole processes, timed as a user times a command (spawn to exit), against
 * the bare script of the same shape (bench/baseline/floor-producer.mjs with spawn=): a parent that
 * binds a ROUTER, spawns one child, which loads zeromq and piscina, connects, and runs the jobs.
 */
import { measure, type Measure, type Topology } from '../lib/measure.js';
import { CORES, median, NO_BASELINE, round, type Row, type Settings } from '../lib/report.js';
import { bareRun, taskModule, tmRun } from '../lib/topologies.js';

const TIMEOUT_MS = 60_000;
/** Runs of each side for the start-up figures, whatever --runs says: they are short, and noisy. */
const STARTUP_RUNS = 5;

interface Side {
  readonly seconds: number;
  readonly samples: readonly number[];
  readonly rssMb: number;
}

/** Times engine and baseline `runs` times each, alternating; medians of the whole-process seconds. */
async function wholeProcess(settings: Settings, label: string, runs: number, engine: Topology, baseline: Topology): Promise<{ engine: Side; baseline: Side }> {
  const sides = { engine: [] as Measure[], baseline: [] as Measure[] };
  for (let i = 1; i <= runs; i++) {
    for (const [side, topology] of [['engine', engine], ['baseline', baseline]] as const) {
      const m = await measure(topology);
      sides[side].push(m);
      settings.log(`${label} ${i}/${runs} ${side}: ${m.wallSeconds.toFixed(3)} s start to exit`);
    }
  }
  const of = (measures: Measure[]): Side => ({
    seconds: median(measures.map((m) => m.wallSeconds)),
    samples: measures.map((m) => round(m.wallSeconds, 3)),
    rssMb: median(measures.map((m) => m.producerRssMb)),
  });
  return { engine: of(sides.engine), baseline: of(sides.baseline) };
}

/** A row of whole-process seconds, engine against the bare script; `target` caps engine / baseline. */
function secondsRow(name: string, jobs: number, runs: number, what: string, e: Side, b: Side, target: number | undefined): Row {
  const ratio = e.seconds / b.seconds;
  return {
    name,
    jobs,
    runs,
    seconds: round(e.seconds, 3),
    jobs_per_s: Math.round(jobs / e.seconds),
    ...NO_BASELINE,
    baseline: 'bare script of the same shape (bench/baseline/floor-producer.mjs spawn=…)',
    baseline_seconds: round(b.seconds, 3),
    baseline_jobs_per_s: Math.round(jobs / b.seconds),
    ratio: round(ratio, 3),
    ratio_of: `${what}: engine s / baseline s, spawn to exit (medians)`,
    ...(target === undefined ? {} : { target: `<= ${target}`, pass: ratio <= target }),
    samples_s: e.samples,
    baseline_samples_s: b.samples,
    master_peak_rss_mb: round(e.rssMb, 1),
    slave_peak_rss_mb: null,
    cores: CORES,
  };
}

/** startup: `tm-run noop.mjs 1` of one job and of 1,000 (and of one job of noop.ts, with tsx), against the bare script on one thread. */
export async function startup(settings: Settings): Promise<Row[]> {
  const rows: Row[] = [];
  const cases = [
    { name: 'startup', jobs: 1, ext: '.mjs', target: 1.5 },
    { name: 'startup-1000', jobs: 1000, ext: '.mjs', target: undefined },
    { name: 'startup-ts', jobs: 1, ext: '.ts', target: undefined },
  ] as const;
  for (const { name, jobs, ext, target } of cases) {
    const module = taskModule('noop', ext);
    const { engine: e, baseline: b } = await wholeProcess(settings, name, STARTUP_RUNS, tmRun(module, jobs, 1, TIMEOUT_MS), bareRun(module, jobs, 1, TIMEOUT_MS));
    rows.push(secondsRow(name, jobs, STARTUP_RUNS, `tm-run noop${ext} 1, ${jobs} jobs`, e, b, target));
  }
  return rows;
}

/** small-run: `tm-run noop.ts 1` of 200,000 jobs, against the bare script on 2 threads, as tm-run's slave has here. */
export async function smallRun(settings: Settings): Promise<Row[]> {
  const jobs = 200_000;
  const module = taskModule('noop');
  const threads = Math.max(1, CORES);
  const { engine: e, baseline: b } = await wholeProcess(settings, 'small-run', STARTUP_RUNS, tmRun(module, jobs, 1, TIMEOUT_MS), bareRun(module, jobs, threads, TIMEOUT_MS));
  return [secondsRow('small-run', jobs, STARTUP_RUNS, `tm-run noop.ts 1, ${jobs} jobs`, e, b, undefined)];
}

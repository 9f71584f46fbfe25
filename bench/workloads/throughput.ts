/** The throughput workloads: the engine against a baseline with no engine code, runs alternating. */
import { measure, type Measure, type Topology } from '../lib/measure.js';
import { comparison, describeRun, engineFields, medians, NO_BASELINE, round, type Medians, type Row, type Settings } from '../lib/report.js';
import { engine, floor, inline, MSGPACK_4000, pool } from '../lib/topologies.js';

const TIMEOUT_MS = 10 * 60_000;
/** The io workload's slave: one thread running 128 jobs at once, as the baseline's one thread does. */
const IO_SLAVE = { threads: 1, concurrency: 128 } as const;

/** Runs engine and baseline `settings.runs` times each, alternating, and takes the medians. */
async function compare(settings: Settings, name: string, engineRun: Topology, baselineRun: Topology, thirdRun?: Topology): Promise<{ engine: Medians; baseline: Medians; third: Medians | undefined }> {
  const engineRuns: Measure[] = [];
  const baselineRuns: Measure[] = [];
  const thirdRuns: Measure[] = [];
  for (let i = 1; i <= settings.runs; i++) {
    const e = await measure(engineRun);
    engineRuns.push(e);
    settings.log(describeRun(`${name} ${i}/${settings.runs} engine`, e));
    const b = await measure(baselineRun);
    baselineRuns.push(b);
    settings.log(describeRun(`${name} ${i}/${settings.runs} baseline`, b));
    if (thirdRun === undefined) continue;
    const t = await measure(thirdRun);
    thirdRuns.push(t);
    settings.log(describeRun(`${name} ${i}/${settings.runs} second baseline`, t));
  }
  return { engine: medians(engineRuns), baseline: medians(baselineRuns), third: thirdRun === undefined ? undefined : medians(thirdRuns) };
}

/** The row of an engine figure against its baseline. */
function versus(name: string, jobs: number, e: Medians, b: Medians, baseline: string, target: number): Row {
  return comparison(name, jobs, e, b, baseline, `engine jobs/s / ${baseline} jobs/s (medians)`, target);
}

/** The floor's own row: the raw data movement, producer and consumer in the RSS columns. */
function floorRow(jobs: number, f: Medians): Row {
  return {
    name: 'floor',
    jobs,
    ...engineFields(f),
    ...NO_BASELINE,
  };
}

/**
 * noop: the engine's cost per job against the floor, one slave with 2 threads; the floor's row
 * too. And against the floor at the engine's own wire (msgpack batches of 4000), whole processes
 * (spawn to exit) beside welcome to summary: what a user timing the command sees.
 */
export async function noop(settings: Settings): Promise<Row[]> {
  const jobs = settings.quick ? 1_000_000 : 4_000_000;
  const engineRun = engine({ task: 'noop', jobs, slaves: [{ threads: 2, concurrency: 1 }], timeoutMs: TIMEOUT_MS });
  const { engine: e, baseline: f, third: f4 } = await compare(settings, 'noop', engineRun, floor('noop', jobs, 2, TIMEOUT_MS), floor('noop', jobs, 2, TIMEOUT_MS, MSGPACK_4000));
  // Whole processes: the same jobs, so the ratio of jobs/s is that of seconds, inverted.
  const wholeRatio = f4!.wallSeconds / e.wallSeconds;
  return [
    floorRow(jobs, f),
    versus('noop', jobs, e, f, 'floor', 0.7),
    { ...floorRow(jobs, f4!), name: 'floor-4000' },
    {
      ...versus('noop-4000', jobs, e, f4!, 'floor-4000 (msgpack, batches of 4000)', 0.9),
      whole_process_s: round(e.wallSeconds, 3),
      whole_process_jobs_per_s: Math.round(jobs / e.wallSeconds),
      baseline_whole_process_s: round(f4!.wallSeconds, 3),
      baseline_whole_process_jobs_per_s: Math.round(jobs / f4!.wallSeconds),
      ratio: round(wholeRatio, 3),
      ratio_of: 'engine whole-process jobs/s / floor-4000 whole-process jobs/s (spawn to exit, medians); welcome-to-summary in jobs_per_s',
      target: '>= 0.9 (whole process)',
      pass: wholeRatio >= 0.9,
      welcome_to_summary_ratio: round(e.jobsPerS / f4!.jobsPerS, 3),
    },
  ];
}

/** floor alone (when noop is not selected). */
export async function floorOnly(settings: Settings): Promise<Row[]> {
  const jobs = settings.quick ? 1_000_000 : 4_000_000;
  const runs: Measure[] = [];
  for (let i = 1; i <= settings.runs; i++) {
    runs.push(await measure(floor('noop', jobs, 2, TIMEOUT_MS)));
    settings.log(describeRun(`floor ${i}/${settings.runs}`, runs.at(-1)!));
  }
  return [floorRow(jobs, medians(runs))];
}

/** io: 1 ms timer jobs, 128 at a time, against the same handler run 128 at a time in one process. */
export async function io(settings: Settings): Promise<Row[]> {
  const jobs = settings.quick ? 20_000 : 50_000;
  const concurrency = IO_SLAVE.threads * IO_SLAVE.concurrency;
  const { engine: e, baseline: b } = await compare(
    settings,
    'io',
    engine({ task: 'io', jobs, slaves: [IO_SLAVE], timeoutMs: TIMEOUT_MS }),
    inline('io', jobs, concurrency, TIMEOUT_MS),
  );
  return [{ ...versus('io', jobs, e, b, 'one process, same handler', 0.85), slave_threads: IO_SLAVE.threads, slave_concurrency: IO_SLAVE.concurrency }];
}

/** cpu: sha256 jobs on 2 threads, against a bare 2-thread piscina pool fed chunks of 100. */
export async function cpu(settings: Settings): Promise<Row[]> {
  const jobs = settings.quick ? 4_000 : 20_000;
  const { engine: e, baseline: b } = await compare(
    settings,
    'cpu',
    engine({ task: 'cpu', jobs, slaves: [{ threads: 2, concurrency: 1 }], timeoutMs: TIMEOUT_MS }),
    pool('cpu', jobs, 2, TIMEOUT_MS),
  );
  return [versus('cpu', jobs, e, b, 'bare 2-thread piscina pool', 0.9)];
}

/** fan-in: 4 slave processes of 1 thread each on no-op jobs; no baseline, no target. */
export async function fanIn(settings: Settings): Promise<Row[]> {
  const jobs = settings.quick ? 500_000 : 2_000_000;
  const run = engine({ task: 'noop', jobs, slaves: Array.from({ length: 4 }, () => ({ threads: 1, concurrency: 1 })), timeoutMs: TIMEOUT_MS });
  const runs: Measure[] = [];
  for (let i = 1; i <= settings.runs; i++) {
    runs.push(await measure(run));
    settings.log(describeRun(`fan-in ${i}/${settings.runs}`, runs.at(-1)!));
  }
  return [
    {
      name: 'fan-in',
      jobs,
      ...engineFields(medians(runs)),
      slaves: 4,
      ...NO_BASELINE,
    },
  ];
}

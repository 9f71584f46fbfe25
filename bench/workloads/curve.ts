/**
 * What CURVE costs: the noop and io workloads with CURVE on and off in the same invocation,
 * alternating run by run; and a noop run across network namespaces (a master host and a slave
 * host joined by veth links to a bridge), with CURVE, when the bench runs as root.
 */
import { Lab, labUnavailable } from '../../test/helpers/netns.js';
import { measure, type Measure } from '../lib/measure.js';
import { describeRun, engineFields, medians, NO_BASELINE, round, type Medians, type Row, type Settings } from '../lib/report.js';
import { makeTempDir, removeTempDir } from '../lib/temp.js';
import { curveKeys, engine, type EngineRun } from '../lib/topologies.js';

const TIMEOUT_MS = 10 * 60_000;
/** CURVE may cost at most this share of the plain figure (the targets). */
const TARGETS = { noop: 0.9, io: 0.97 } as const;

/** The row of CURVE on against CURVE off. */
function onVersusOff(name: string, jobs: number, on: Medians, off: Medians, target: number): Row {
  const ratio = on.jobsPerS / off.jobsPerS;
  return {
    name,
    jobs,
    ...engineFields(on),
    baseline: 'the same run without CURVE',
    baseline_jobs_per_s: Math.round(off.jobsPerS),
    baseline_seconds: round(off.seconds, 3),
    baseline_samples_jobs_per_s: off.samples,
    ratio: round(ratio, 3),
    ratio_of: 'CURVE jobs/s / plain jobs/s (medians)',
    curve_cost_percent: round((1 - ratio) * 100, 1),
    target: `>= ${target}`,
    pass: ratio >= target,
  };
}

/** `curve`: noop (1 slave × 2 threads) and io (1 thread × 128) with CURVE on and off, alternating. */
export async function curve(settings: Settings): Promise<Row[]> {
  const dir = makeTempDir('tm-bench-keys-');
  try {
    const keys = curveKeys(dir);
    const workloads: Array<[keyof typeof TARGETS, Omit<EngineRun, 'curve'>]> = [
      ['noop', { task: 'noop', jobs: settings.quick ? 1_000_000 : 4_000_000, slaves: [{ threads: 2, concurrency: 1 }], timeoutMs: TIMEOUT_MS }],
      ['io', { task: 'io', jobs: settings.quick ? 20_000 : 50_000, slaves: [{ threads: 1, concurrency: 128 }], timeoutMs: TIMEOUT_MS }],
    ];
    const rows: Row[] = [];
    for (const [name, run] of workloads) {
      const on: Measure[] = [];
      const off: Measure[] = [];
      for (let i = 1; i <= settings.runs; i++) {
        on.push(await measure(engine({ ...run, curve: keys })));
        settings.log(describeRun(`curve ${name} ${i}/${settings.runs} on`, on.at(-1)!));
        off.push(await measure(engine(run)));
        settings.log(describeRun(`curve ${name} ${i}/${settings.runs} off`, off.at(-1)!));
      }
      rows.push(onVersusOff(`curve-${name}`, run.jobs, medians(on), medians(off), TARGETS[name]));
    }
    return rows;
  } finally {
    removeTempDir(dir);
  }
}

/** `netns`: noop from a master host to a slave host over a veth link and a bridge, with CURVE. Needs root. */
export async function netns(settings: Settings): Promise<Row[]> {
  const unavailable = labUnavailable();
  if (unavailable !== undefined) {
    settings.log(`netns: skipped, network namespaces unavailable (${unavailable}); run the bench as root with iproute2`);
    return [];
  }
  const lab = await Lab.create('bench', ['master', 'slave']);
  const dir = makeTempDir('tm-bench-keys-');
  try {
    const jobs = settings.quick ? 1_000_000 : 4_000_000;
    const hosts = { master: lab.host('master').netns, slaves: lab.host('slave').netns, bind: `tcp://${lab.host('master').address}:*` };
    const topology = engine({ task: 'noop', jobs, slaves: [{ threads: 2, concurrency: 1 }], timeoutMs: TIMEOUT_MS, curve: curveKeys(dir), hosts });
    const runs: Measure[] = [];
    for (let i = 1; i <= settings.runs; i++) {
      runs.push(await measure(topology));
      settings.log(describeRun(`netns noop ${i}/${settings.runs}`, runs.at(-1)!));
    }
    return [
      {
        name: 'netns-noop',
        jobs,
        ...engineFields(medians(runs)),
        hosts: 'master and slave in two network namespaces, veth links to a bridge, TCP, CURVE',
        ...NO_BASELINE,
      },
    ];
  } finally {
    removeTempDir(dir);
    lab.remove();
  }
}

/**
 * tail: 10 ms jobs over 2 slaves of 1 thread each. The task writes when each job ran (see
 * tasks/sleep10.ts), and from that trace:
 * - `job_ms`: one job's time, the mean time a handler ran (a 10 ms timer takes a little longer);
 * - `ideal_s`: when the run would end if every slot, from its own first job on, ran jobs back to
 *   back with no gap and all slots finished together (start-up skew between slaves is not charged);
 * - `tail_s`: the last job's end minus that ideal end, i.e. the run's time over the ideal: the gaps
 *   between jobs plus the slots idle at the end. `gap_ms` is the mean gap, for telling them apart
 *   (the trace's own append is in it: about 6 µs);
 * - `idle_tail_s`: the last job's end minus the moment the first slave ran out of work;
 * - `bound_s`: 2 × job_ms × jobs per slave slot (`--tail-slot-jobs`, see run.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { measure, type Measure } from '../lib/measure.js';
import { describeRun, engineFields, median, medians, round, type Row, type Settings } from '../lib/report.js';
import { makeTempDir, removeTempDir } from '../lib/temp.js';
import { engine } from '../lib/topologies.js';

const SLAVES = 2;
const NOMINAL_JOB_MS = 10;

interface Tail {
  readonly runS: number;
  readonly idealS: number;
  readonly tailS: number;
  readonly idleTailS: number;
  readonly jobMs: number;
  readonly gapMs: number;
}

export async function tail(settings: Settings): Promise<Row[]> {
  // The issue's 20,000 jobs would take 100 s a run; 2,000 (10 s ideal) show the same tail.
  const jobs = settings.quick ? 400 : 2_000;
  const runs: Measure[] = [];
  const tails: Tail[] = [];
  for (let i = 1; i <= settings.runs; i++) {
    const trace = makeTempDir('tm-bench-trace-');
    try {
      const slaves = Array.from({ length: SLAVES }, () => ({ threads: 1, concurrency: 1 }));
      runs.push(await measure(engine({ task: 'sleep10', jobs, slaves, env: { TM_BENCH_TRACE: trace }, timeoutMs: 10 * 60_000 })));
      tails.push(readTail(trace, jobs));
    } finally {
      removeTempDir(trace);
    }
    const t = tails.at(-1)!;
    settings.log(`${describeRun(`tail ${i}/${settings.runs}`, runs.at(-1)!)}; ran ${t.runS.toFixed(3)} s, ideal ${t.idealS.toFixed(3)} s, tail ${(t.tailS * 1000).toFixed(0)} ms (gaps ${t.gapMs.toFixed(3)} ms a job), idle tail ${(t.idleTailS * 1000).toFixed(0)} ms`);
  }
  const of = (pick: (t: Tail) => number): number => median(tails.map(pick));
  const jobMs = of((t) => t.jobMs);
  const tailS = of((t) => t.tailS);
  const boundS = (2 * jobMs * settings.tailSlotJobs) / 1000;
  return [
    {
      name: 'tail',
      jobs,
      ...engineFields(medians(runs)),
      slaves: SLAVES,
      job_ms: round(jobMs, 2),
      gap_ms: round(of((t) => t.gapMs), 3),
      nominal_ideal_s: (jobs * NOMINAL_JOB_MS) / SLAVES / 1000,
      run_s: round(of((t) => t.runS), 3),
      ideal_s: round(of((t) => t.idealS), 3),
      tail_s: round(tailS, 3),
      idle_tail_s: round(of((t) => t.idleTailS), 3),
      tail_in_jobs: round((tailS * 1000) / jobMs, 1),
      bound_s: round(boundS, 3),
      slot_jobs_in_bound: settings.tailSlotJobs,
      baseline: 'ideal: the same pace on every slot, all ending together',
      baseline_jobs_per_s: null,
      ratio: round(of((t) => t.runS / t.idealS), 3),
      ratio_of: 'run_s / ideal_s (from the trace)',
      target: `tail_s <= bound_s = 2 x job_ms x ${settings.tailSlotJobs}`,
      pass: tailS <= boundS,
    },
  ];
}

/** Tail figures from the trace files: one per thread, `start end` per job, named `<pid>-<thread>`. */
function readTail(dir: string, jobs: number): Tail {
  const slots = readdirSync(dir).map((file) =>
    readFileSync(path.join(dir, file), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').map(Number) as [number, number]),
  );
  const count = slots.reduce((sum, slot) => sum + slot.length, 0);
  if (count !== jobs) throw new Error(`the tail trace holds ${count} jobs, expected ${jobs}`);
  const jobMs = slots.reduce((sum, slot) => sum + slot.reduce((ms, [start, end]) => ms + end - start, 0), 0) / count;
  const firstStarts = slots.map((slot) => slot[0]![0]);
  const lastEnds = slots.map((slot) => slot.at(-1)![1]);
  const begin = Math.min(...firstStarts);
  const end = Math.max(...lastEnds);
  const idealEnd = (count * jobMs + firstStarts.reduce((sum, start) => sum + start, 0)) / slots.length;
  const busySpans = slots.reduce((sum, slot) => sum + slot.at(-1)![1] - slot[0]![0], 0);
  return {
    runS: (end - begin) / 1000,
    idealS: (idealEnd - begin) / 1000,
    tailS: (end - idealEnd) / 1000,
    idleTailS: (end - Math.min(...lastEnds)) / 1000,
    gapMs: (busySpans - count * jobMs) / (count - slots.length),
    jobMs,
  };
}

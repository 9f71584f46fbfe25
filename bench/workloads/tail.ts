/**
 * tail: the issue's 20,000 jobs of 10 ms over 2 slaves, each slave one thread running 10 jobs at
 * once (lanes), so a run takes about 10 s. The task writes when each job ran (see
 * tasks/sleep10.ts, one file per thread), and from that trace:
 * - `job_ms`: one job's time, the mean time a handler ran (a 10 ms timer takes a little longer);
 * - `ideal_s`: when the run would end if every lane, from its thread's first job on, ran jobs back
 *   to back with no gap and all lanes finished together (start-up skew between slaves is not
 *   charged);
 * - `tail_s`: the last job's end minus that ideal end, i.e. the run's time over the ideal: the gaps
 *   between jobs plus the lanes idle at the end;
 * - `busy`: the share of lane time from each thread's first job to its last spent in jobs;
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
/** Jobs each slave's one thread runs at once. */
const LANES = 10;
const NOMINAL_JOB_MS = 10;

interface Tail {
  readonly runS: number;
  readonly idealS: number;
  readonly tailS: number;
  readonly idleTailS: number;
  readonly jobMs: number;
  readonly busy: number;
}

export async function tail(settings: Settings): Promise<Row[]> {
  const jobs = settings.quick ? 4_000 : 20_000;
  const runs: Measure[] = [];
  const tails: Tail[] = [];
  for (let i = 1; i <= settings.runs; i++) {
    const trace = makeTempDir('tm-bench-trace-');
    try {
      const slaves = Array.from({ length: SLAVES }, () => ({ threads: 1, concurrency: LANES }));
      runs.push(await measure(engine({ task: 'sleep10', jobs, slaves, env: { TM_BENCH_TRACE: trace }, timeoutMs: 10 * 60_000 })));
      tails.push(readTail(trace, jobs, LANES));
    } finally {
      removeTempDir(trace);
    }
    const t = tails.at(-1)!;
    settings.log(`${describeRun(`tail ${i}/${settings.runs}`, runs.at(-1)!)}; ran ${t.runS.toFixed(3)} s, ideal ${t.idealS.toFixed(3)} s, tail ${(t.tailS * 1000).toFixed(0)} ms (lanes busy ${(t.busy * 100).toFixed(1)}%), idle tail ${(t.idleTailS * 1000).toFixed(0)} ms`);
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
      lanes_per_slave: LANES,
      job_ms: round(jobMs, 2),
      busy: round(of((t) => t.busy), 4),
      nominal_ideal_s: (jobs * NOMINAL_JOB_MS) / (SLAVES * LANES) / 1000,
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

/** Tail figures from the trace files: one per thread (`<pid>-<thread>`), `start end` per job, of a thread running `lanes` jobs at once. */
function readTail(dir: string, jobs: number, lanes: number): Tail {
  const threads = readdirSync(dir).map((file) =>
    readFileSync(path.join(dir, file), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').map(Number) as [number, number])
      .sort((a, b) => a[0] - b[0]),
  );
  const count = threads.reduce((sum, thread) => sum + thread.length, 0);
  if (count !== jobs) throw new Error(`the tail trace holds ${count} jobs, expected ${jobs}`);
  const jobTime = threads.reduce((sum, thread) => sum + thread.reduce((ms, [start, end]) => ms + end - start, 0), 0);
  const firstStarts = threads.map((thread) => thread[0]![0]);
  const lastEnds = threads.map((thread) => Math.max(...thread.map(([, end]) => end)));
  const begin = Math.min(...firstStarts);
  const end = Math.max(...lastEnds);
  const idealEnd = (jobTime + lanes * firstStarts.reduce((sum, start) => sum + start, 0)) / (lanes * threads.length);
  const laneSpans = lanes * threads.reduce((sum, _, t) => sum + lastEnds[t]! - firstStarts[t]!, 0);
  return {
    runS: (end - begin) / 1000,
    idealS: (idealEnd - begin) / 1000,
    tailS: (end - idealEnd) / 1000,
    idleTailS: (end - Math.min(...lastEnds)) / 1000,
    busy: jobTime / laneSpans,
    jobMs: jobTime / count,
  };
}

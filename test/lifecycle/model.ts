/**
 * The lifecycle search's model: from one seed, a task module (its jobs, where its generator fails
 * and how, what each handler does) and a timeline (how each incarnation of the run ends). The
 * module is written out by module-source.ts, the timeline played by driver.ts, and the outcome
 * judged by invariants.ts against this same model.
 */
import { below, mulberry32 } from '../chaos/prng.js';

/** What a job's handler does, the same in every incarnation and every attempt but where said. */
export type HandlerPlan = 'ok' | 'slow' | 'throw' | 'throw-once' | 'timeout';

/** What the generator awaits before it yields a seq (or fails at it). */
export type AwaitKind = 'none' | 'micro' | 'io' | 'timer';

/**
 * A point where the generator fails, before it yields `seq` (`seq` = jobs: after the last yield):
 * - `throw`: throws after an await of `after`; `results` waits first until `handleResult` has
 *   seen the results of the jobs it yielded (issue 18, finding 1);
 * - `job`: yields, as `seq`, a job holding a function or a symbol `depth` levels down;
 * - `cursor`: yields `seq` with a Symbol cursor (a keyed run only).
 * It fails in incarnations below `until` and is "fixed" from then on, so a run can end.
 */
export interface FailurePoint {
  readonly seq: number;
  readonly kind: 'throw' | 'job' | 'cursor';
  readonly after: AwaitKind | 'results';
  readonly value: 'function' | 'symbol';
  readonly depth: number;
  readonly until: number;
}

/** `handleResult` in the master: absent, or settling this way; `throwsAt` are seqs whose result it refuses. */
export interface ResultPlan {
  readonly kind: 'none' | 'sync' | 'micro' | 'io';
  /** Microtasks it awaits (kind `micro`). */
  readonly ticks: number;
  /** Seqs it throws for, every time (`always`) or only the first time in a process. */
  readonly throwsAt: readonly number[];
  readonly throwsAlways: boolean;
}

/** The generated task module. */
export interface TaskModel {
  readonly jobs: number;
  /** Plain yields (the cursor is the seq) or `withCursor` with key `k<seq>`. */
  readonly cursor: 'seq' | 'key';
  readonly awaits: readonly AwaitKind[];
  readonly handlers: readonly HandlerPlan[];
  /** Milliseconds a `slow` handler takes. */
  readonly slowMs: number;
  /** Seqs the generator yields as `rejectJob`. */
  readonly rejects: readonly number[];
  /** At most one point per seq, in seq order. */
  readonly failures: readonly FailurePoint[];
  readonly results: ResultPlan;
}

/** How one incarnation ends: on its own, or by what we do when `trigger` fires. */
export interface Step {
  readonly end: 'natural' | 'sigint' | 'sigterm' | 'kill-master' | 'kill-slave';
  /** When to act: once the handlers have recorded this many runs, or a delay after the start. */
  readonly trigger: { readonly records: number } | { readonly delayMs: number } | { readonly line: string };
  /** SIGINT to the process group, as a Ctrl-C at a terminal sends it. */
  readonly toGroup: boolean;
  readonly limit?: number;
  readonly maxFailures?: number;
}

/** The processes and flags of every incarnation, and the scripted incarnations. */
export interface Timeline {
  /** `run`: tm-run with local slaves; `split`: tm-master and separate tm-slave processes. */
  readonly mode: 'run' | 'split';
  readonly slaves: number;
  readonly threads: number;
  /** How separate slaves that outlive an incarnation's master are ended (a SIGTERM makes one wait 3 s for a QUIT). */
  readonly slaveStop: 'SIGTERM' | 'SIGKILL';
  readonly flags: {
    readonly size: number;
    readonly checkpointInterval: number;
    readonly lease: number;
    readonly grace: number;
    readonly retries: number;
    readonly retryBackoff: number;
    readonly jobTimeout: number;
    readonly maxCredit: number;
  };
  /** Played in order; after them, natural incarnations until the run has ended (see driver.ts). */
  readonly steps: readonly Step[];
}

export interface Scenario {
  readonly seed: number;
  readonly task: TaskModel;
  readonly timeline: Timeline;
}

const DEPTHS = [1, 3, 50, 99, 100, 101, 150, 400];

/** The scenario of `seed`: the same seed always gives the same one. */
export function scenarioOf(seed: number): Scenario {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[below(random, items.length)]!;
  const chance = (p: number): boolean => random() < p;
  const jobs = 5 + below(random, 56);
  const cursor = chance(0.4) ? 'key' : 'seq';
  const jobTimeout = chance(0.3) ? 1000 : 0;
  const handlerMix: HandlerPlan[] = ['ok', 'ok', 'ok', 'ok', 'ok', 'slow', 'throw', 'throw-once', ...(jobTimeout > 0 ? (['timeout'] as const) : [])];
  const flaky = chance(0.6);
  const handlers = Array.from({ length: jobs }, () => (flaky ? pick(handlerMix) : chance(0.1) ? 'slow' : 'ok'));
  const awaits = Array.from({ length: jobs + 1 }, () => pick<AwaitKind>(['none', 'none', 'micro', 'io', chance(0.3) ? 'timer' : 'none']));
  const rejects = chance(0.25) ? [below(random, jobs)] : [];
  const failures: FailurePoint[] = [];
  const points = chance(0.75) ? 1 + below(random, 2) : 0;
  for (let i = 0; i < points; i++) {
    const kinds: Array<FailurePoint['kind']> = ['throw', 'throw', 'throw', 'job', ...(cursor === 'key' ? (['cursor'] as const) : [])];
    const kind = pick(kinds);
    const seq = kind === 'throw' ? below(random, jobs + 1) : below(random, jobs);
    if (failures.some((f) => f.seq === seq) || rejects.includes(seq)) continue;
    failures.push({ seq, kind, after: kind === 'throw' && chance(0.4) ? 'results' : pick<AwaitKind>(['micro', 'io', 'timer']), value: chance(0.5) ? 'function' : 'symbol', depth: pick(DEPTHS), until: 1 + below(random, 2) });
  }
  failures.sort((a, b) => a.seq - b.seq);
  const wantsResults = failures.some((f) => f.after === 'results');
  const resultKind = pick<ResultPlan['kind']>([wantsResults ? 'micro' : 'none', 'sync', 'micro', 'micro', 'io']);
  const results: ResultPlan = {
    kind: resultKind,
    ticks: 1 + below(random, 8),
    throwsAt: resultKind !== 'none' && chance(0.2) ? [below(random, jobs)] : [],
    throwsAlways: chance(0.5),
  };
  const task: TaskModel = { jobs, cursor, awaits, handlers, slowMs: 10 + below(random, 60), rejects, failures, results };
  return { seed, task, timeline: timelineOf(random, pick, chance, task, jobTimeout) };
}

function timelineOf(random: () => number, pick: <T>(items: readonly T[]) => T, chance: (p: number) => boolean, task: TaskModel, jobTimeout: number): Timeline {
  const mode = chance(0.3) ? 'split' : 'run';
  const steps: Step[] = [];
  const count = below(random, 4);
  for (let i = 0; i < count; i++) {
    const ends: Array<Step['end']> = ['natural', 'sigint', 'sigterm', 'kill-master', ...(mode === 'split' ? (['kill-slave', 'kill-slave'] as const) : [])];
    const end = pick(ends);
    const trigger = chance(0.7) ? { records: below(random, task.jobs) } : delayOrLine(below(random, 600));
    steps.push({
      end,
      trigger,
      toGroup: end === 'sigint' && chance(0.5),
      ...(chance(0.15) ? { limit: 1 + below(random, task.jobs) } : {}),
      ...(chance(0.1) ? { maxFailures: below(random, 3) } : {}),
    });
  }
  return {
    mode,
    slaves: 1 + below(random, 2),
    slaveStop: chance(0.5) ? 'SIGTERM' : 'SIGKILL',
    threads: 1 + below(random, 2),
    flags: {
      size: 1 + below(random, 20),
      checkpointInterval: 20 + below(random, 300),
      lease: 600 + below(random, 1000),
      grace: 300 + below(random, 1500),
      retries: below(random, 3),
      retryBackoff: 5 + below(random, 40),
      jobTimeout,
      maxCredit: 1 + below(random, 8),
    },
    steps,
  };
}

/** Log lines a step can wait for: a slave joining, a failure logged, a stop begun, a job failed. */
export const TRIGGER_LINES = ['slave \\S+ joined', 'error: ', 'stopping', 'failed after'];

/** A delay of `ms`, or below 200 a log line instead, drawn from the same number so that seeds keep their scenarios. */
function delayOrLine(ms: number): Step['trigger'] {
  return ms < 200 ? { line: TRIGGER_LINES[ms % TRIGGER_LINES.length]! } : { delayMs: ms };
}

/** Seqs whose job may end dead-lettered: a failing handler or `handleResult`, or `rejectJob`. */
export function mayDeadLetter(task: TaskModel, retries: number): Set<number> {
  const out = new Set<number>(task.rejects);
  task.handlers.forEach((plan, seq) => {
    if (plan === 'throw' || plan === 'timeout' || (plan === 'throw-once' && retries === 0)) out.add(seq);
  });
  // A result refused only the first time in a process is refused again by each new master.
  for (const seq of task.results.throwsAt) out.add(seq);
  return out;
}

/** The failure point the generator meets first in `incarnation` when it starts at seq `from`, if any. */
export function firstFailure(task: TaskModel, incarnation: number, from: number): FailurePoint | undefined {
  return task.failures.find((f) => f.seq >= from && incarnation < f.until);
}

/** A one-line description of a scenario, for a report. */
export function describeScenario({ seed, task, timeline }: Scenario): string {
  const fails = task.failures.map((f) => `${f.kind}${f.kind === 'throw' ? `/${f.after}` : `/${f.value}@${f.depth}`}@${f.seq}<${f.until}`).join(',') || 'none';
  const steps = timeline.steps.map((s) => `${s.end}${s.limit === undefined ? '' : `+limit${s.limit}`}${s.maxFailures === undefined ? '' : `+maxf${s.maxFailures}`}`).join(',') || 'natural';
  return `seed ${seed}: ${task.jobs} jobs, ${task.cursor} cursor, ${timeline.mode} x${timeline.slaves}, fails ${fails}, results ${task.results.kind}, steps ${steps}`;
}

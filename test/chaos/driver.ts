/**
 * The chaos run (issue 4, item 1): a master and three slaves work through a run of the record
 * task while faults from a seeded schedule hit them; then the record and the state are checked
 * against DESIGN.md §2: no job lost, the run finished, re-runs within the bound of the faults.
 */
import { killAll, type Proc } from '../helpers/processes.js';
import { Cluster, tail } from './cluster.js';
import { inject, type FaultOutcome, type HeardCheck, type InjectedFault } from './faults.js';
import { awaitEnd, reachLines } from './progress.js';
import { RecordCounter } from './record-counter.js';
import { faultLine, headerLine } from './report.js';
import { planFaults } from './schedule.js';
import { verify, type Verdict } from './verify.js';
import { within } from './wait.js';

export interface ChaosOptions {
  /** Seeds the schedule: the same seed gives the same faults at the same progress. */
  readonly seed: number;
  readonly jobs: number;
  /** Faults to inject, at least. */
  readonly faults: number;
  /** Microseconds each job busy-waits: the run must last long enough for its faults. */
  readonly spinUs: number;
  /** A fresh directory for the record and the state. */
  readonly dir: string;
  /** Milliseconds each job awaits a timer (every tenth five times as long), 0 for none. @default 0 */
  readonly asyncMs?: number;
  /** Each slave's `--concurrency`. @default 1 */
  readonly concurrency?: number;
  /** @default 3 */
  readonly slaves?: number;
  /** The master's `--lease`, ms. @default 1500 */
  readonly lease?: number;
  /** The master's `--checkpoint-interval`, ms. @default 200 */
  readonly checkpointInterval?: number;
  /** Each slave's `--max-credit`: what bounds the re-runs of a fault. @default 1000 */
  readonly maxCredit?: number;
  /** Milliseconds without progress that count as a hang. @default 60000 */
  readonly stallMs?: number;
  /** Where progress lines go (one per fault). @default nowhere */
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly options: Required<Omit<ChaosOptions, 'log'>>;
  /** Faults as they happened, in order. */
  readonly faults: readonly InjectedFault[];
  /** Extra job runs the faults may cause: the sum of their bounds. */
  readonly bound: number;
  /** Undefined when the run broke down before it could be checked. */
  readonly verdict: Verdict | undefined;
  /** Milliseconds from starting the first process to the last master's exit. */
  readonly wallMs: number;
  /** Every broken expectation, in words; empty when the run passed. */
  readonly problems: readonly string[];
}

const DEFAULTS = { slaves: 3, lease: 1500, checkpointInterval: 200, maxCredit: 1000, stallMs: 60_000, asyncMs: 0, concurrency: 1 };
/** Slaves leave once the master says QUIT: this is plenty. */
const QUIT_MS = 30_000;

/** Runs the chaos run in `options.dir` and reports; a broken guarantee is listed in `problems`, never thrown. */
export async function runChaos(chaos: ChaosOptions): Promise<ChaosReport> {
  const { log = () => {}, ...given } = chaos;
  const options = { ...DEFAULTS, ...given };
  const plan = planFaults(options.seed, options);
  log(headerLine({ options }));
  const faults: InjectedFault[] = [];
  const heardChecks: HeardCheck[] = [];
  const problems: string[] = [];
  const startedAt = Date.now();
  let endedAt: number | undefined;
  let cluster: Cluster | undefined;
  let counter: RecordCounter | undefined;
  try {
    cluster = await Cluster.start(options);
    counter = new RecordCounter(cluster.record);
    let previousStopped: number | undefined;
    for (const planned of plan) {
      if (!(await reachLines(cluster, counter, planned.atLines, options))) break;
      const index = faults.length + 1;
      let outcome: FaultOutcome;
      try {
        outcome = await inject(cluster, planned, { index, startedAt, counter, previousStopped });
      } catch (error) {
        if (cluster.master.child.exitCode !== 0) throw error;
        problems.push(`the run finished while fault #${index} (${planned.kind}) was under way`);
        break;
      }
      faults.push(outcome.fault);
      if (outcome.heard !== undefined) heardChecks.push(outcome.heard);
      previousStopped = outcome.stopped;
      log(faultLine(outcome.fault));
    }
    const allFaults = faults.length === plan.length;
    if (!allFaults) problems.push(`the run ended after ${faults.length} of ${plan.length} faults; if it finished, slow the jobs down (spin) so that every fault fits in it`);
    const exit = await awaitEnd(cluster, counter, options);
    endedAt = Date.now();
    if (exit.code !== 0) problems.push(`the last master (pid ${cluster.master.child.pid}) exited with ${exit.signal ?? `code ${exit.code}`}, not 0:\n${tail(cluster.master)}`);
    problems.push(...checkSummary(cluster, options.jobs));
    // A slave hit by a fault the run ended in the middle of may never hear QUIT: nothing to check then.
    if (allFaults) problems.push(...(await slavesQuit(cluster)));
  } catch (error) {
    problems.push(`${(error as Error).message}${cluster === undefined ? '' : `\nthe master said:\n${tail(cluster.master)}`}`);
  } finally {
    counter?.close();
    await killAll();
  }
  const wallMs = (endedAt ?? Date.now()) - startedAt;
  const bound = faults.reduce((sum, fault) => sum + fault.bound, 0);
  // A run that broke down has nothing meaningful to tally.
  const verdict = cluster !== undefined && endedAt !== undefined ? verify(cluster.record, cluster.state, options.jobs, heardChecks) : undefined;
  if (verdict !== undefined) problems.push(...judge(verdict, options.jobs, bound));
  if (problems.length > 0) cluster?.saveLogs();
  return { options, faults, bound, verdict, wallMs, problems };
}

/** The last master's summary line must count every job finished, none dead-lettered. */
function checkSummary(cluster: Cluster, jobs: number): string[] {
  // The whole run's count is there when this master did not do every job (it resumed), as the last one always does.
  const summary = cluster.master.stdout.match(/finished: (\d+) jobs done, (\d+) dead-lettered [^;\n]*(?:; (\d+) of \d+ finished over the whole run)?/);
  if (summary === null) return [`the last master printed no "finished" summary:\n${tail(cluster.master)}`];
  const [, done, failed, whole] = summary.map(Number);
  const finished = Number.isNaN(whole) ? done! + failed! : whole;
  return finished === jobs && failed === 0 ? [] : [`the last master's summary says ${finished} finished and ${failed} dead-lettered, not ${jobs} and 0: ${summary[0]}`];
}

/** Every slave no fault ended must exit 0 once the master has said QUIT (and none may have crashed before). */
async function slavesQuit(cluster: Cluster): Promise<string[]> {
  const problems: string[] = [];
  const quit = async (slave: Proc): Promise<void> => {
    try {
      const exit = await within(slave.exited, QUIT_MS, `slave pid ${slave.child.pid} to exit after QUIT`);
      if (exit.code !== 0) problems.push(`slave pid ${slave.child.pid} exited with ${exit.signal ?? `code ${exit.code}`}, not 0 after QUIT:\n${tail(slave)}`);
    } catch (error) {
      problems.push(`${(error as Error).message}; it said:\n${tail(slave)}`);
    }
  };
  await Promise.all(cluster.everySlave.filter((slave) => !cluster.victims.has(slave)).map(quit));
  return problems;
}

/** DESIGN.md §2, in numbers. */
function judge(verdict: Verdict, jobs: number, bound: number): string[] {
  const problems: string[] = [];
  if (verdict.missing > 0) problems.push(`${verdict.missing} jobs never ran, e.g. ${verdict.firstMissing.join(', ')}`);
  if (verdict.foreign > 0) problems.push(`${verdict.foreign} record lines name no job of 0..${jobs - 1}`);
  if (verdict.extraRuns > bound) problems.push(`${verdict.extraRuns} re-runs exceed the bound of ${bound} the faults allow`);
  if (verdict.heardAgain > 0) {
    const examples = verdict.firstHeardAgain.map((h) => `job ${h.job} on pid ${h.pid} after fault #${h.fault}`).join(', ');
    problems.push(`${verdict.heardAgain} runs of jobs a master had already recorded done, e.g. ${examples}`);
  }
  const { state } = verdict;
  if (!state.finished || state.watermark !== jobs || state.doneAbove !== 0 || state.failed !== 0 || state.recorded !== jobs) {
    problems.push(`the state does not say finished: ${JSON.stringify(state)}`);
  }
  return problems;
}

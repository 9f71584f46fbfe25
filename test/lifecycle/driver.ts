/**
 * Plays a scenario against the real bins: its module written to `dir`, then one incarnation per
 * step (tm-run, or tm-master and tm-slaves) on one state file, each ended as the step says, then
 * natural incarnations until the run has ended. Observes each end for invariants.ts; what only a
 * process shows (a stop past 10 s, a process left behind) it notes as it goes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { processesIn } from '../helpers/orphans.js';
import type { Scenario, Step } from './model.js';
import { moduleSource } from './module-source.js';
import { NO_STATE, readRecord, readView, recordCount, type RecordLine, type StateView } from './observe.js';
import { goneWithin, isGone, kill, start, stopWithin, type Started } from './procs.js';

/** How one incarnation went. */
export interface Incarnation {
  readonly number: number;
  readonly step: Step;
  /** Whether the step's action was taken: its trigger came while the run was still going. */
  readonly acted: boolean;
  readonly exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null };
  /** What the master (tm-run or tm-master) printed, stdout and stderr. */
  readonly output: string;
  readonly before: StateView;
  readonly after: StateView;
  /** What the processes did wrong: a stop past 10 s, a process left behind, a run that hung. */
  readonly problems: readonly string[];
  /** Milliseconds from its start until every process of it was gone. */
  readonly ms: number;
}

export interface RunOutcome {
  readonly scenario: Scenario;
  readonly incarnations: readonly Incarnation[];
  readonly records: readonly RecordLine[];
}

/** Natural incarnations after the scripted ones, for a run to end once its failures are "fixed". */
export const TAIL = 3;
const NATURAL: Step = { end: 'natural', trigger: { delayMs: 0 }, toGroup: false };
/** Every process has this long to stop after a SIGTERM or SIGINT (the invariant). */
export const STOP_MS = 10_000;
/** An incarnation still running this long after its trigger has hung: its jobs take well under a second each. */
const HUNG_MS = 60_000;

/** Plays `scenario` in `dir` (which it fills: task.mjs, the state, the record, logs/). */
export async function playScenario(scenario: Scenario, dir: string): Promise<RunOutcome> {
  const module = join(dir, 'task.mjs');
  writeFileSync(module, moduleSource(scenario.task, scenario.seed));
  const state = join(dir, 'lc.state.json');
  const record = join(dir, 'record.txt');
  const span = scenario.task.jobs + 5;
  const incarnations: Incarnation[] = [];
  const { steps } = scenario.timeline;
  for (let number = 0; number < steps.length + TAIL; number++) {
    const before = incarnations.at(-1)?.after ?? NO_STATE;
    if (before.finished || before.unreadable !== undefined || incarnations.at(-1)?.exit.code === 2) break;
    const step = steps[number] ?? NATURAL;
    const started = performance.now();
    const played = await playIncarnation(scenario, step, { dir, module, state, record, number });
    incarnations.push({ number, step, before, after: readView(state, span), ...played, ms: performance.now() - started });
  }
  return { scenario, incarnations, records: readRecord(record) };
}

interface Paths {
  readonly dir: string;
  readonly module: string;
  readonly state: string;
  readonly record: string;
  readonly number: number;
}

type Played = Pick<Incarnation, 'acted' | 'exit' | 'output' | 'problems'>;

async function playIncarnation({ timeline }: Scenario, step: Step, paths: Paths): Promise<Played> {
  const { dir, module, state, record, number } = paths;
  const f = timeline.flags;
  const env = { LC_INC: `${number}`, LC_RECORD: record };
  const masterFlags = [
    ...['--state', state, '--no-progress', '--size', `${f.size}`, '--checkpoint-interval', `${f.checkpointInterval}`, '--lease', `${f.lease}`],
    ...['--grace', `${f.grace}`, '--retries', `${f.retries}`, '--retry-backoff', `${f.retryBackoff}`, '--job-timeout', `${f.jobTimeout}`],
    ...(step.limit === undefined ? [] : ['--limit', `${step.limit}`]),
    ...(step.maxFailures === undefined ? [] : ['--max-failures', `${step.maxFailures}`]),
  ];
  const slaveFlags = ['--threads', `${timeline.threads}`, '--max-credit', `${f.maxCredit}`];
  const problems: string[] = [];
  const slaves: Started[] = [];
  const startSlave = (endpoint: string): void => void slaves.push(start('tm-slave', [module, '--address', endpoint, ...slaveFlags], dir, env));
  const master =
    timeline.mode === 'run'
      ? start('tm-run', [module, `${timeline.slaves}`, ...masterFlags, ...slaveFlags], dir, env)
      : start('tm-master', [module, '--address', 'tcp://127.0.0.1:*', ...masterFlags], dir, env);
  const ended = master.exited.then(() => false as const);
  let endpoint: string | undefined;
  if (timeline.mode === 'split') {
    endpoint = await Promise.race([listening(master), ended.then(() => undefined)]);
    if (endpoint !== undefined) for (let i = 0; i < timeline.slaves; i++) startSlave(endpoint);
  }
  const base = recordCount(record);
  const { trigger: t } = step;
  const trigger = 'records' in t ? waitForRecords(record, base + t.records, master) : 'line' in t ? waitForLine(new RegExp(t.line), master) : delay(t.delayMs).then(() => true);
  debug(`incarnation ${number}: started ${master.bin} pid ${master.pid}`);
  const acted = step.end !== 'natural' && (await Promise.race([trigger, ended])) && !isGone(master.pid);
  if (acted) debug(`incarnation ${number}: ${step.end}`);
  const stops: Array<Promise<void>> = [];
  if (acted) {
    if (step.end === 'sigint' || step.end === 'sigterm') {
      const signal = step.end === 'sigint' ? 'SIGINT' : 'SIGTERM';
      stops.push(stopOrReport(master, signal, problems, step.toGroup));
    } else if (step.end === 'kill-master') {
      kill(master.pid);
    } else if (step.end === 'kill-slave' && slaves[0] !== undefined && endpoint !== undefined) {
      kill(slaves[0].pid);
      startSlave(endpoint);
    }
  }
  const hung = setTimeout(() => {
    problems.push(`${master.bin} pid ${master.pid} still ran ${HUNG_MS / 1000} s after its step's trigger (incarnation ${number})`);
    stops.push(stopOrReport(master, 'SIGTERM', problems));
  }, HUNG_MS);
  const exit = await master.exited;
  debug(`incarnation ${number}: ${master.bin} exited ${exit.code ?? exit.signal}`);
  clearTimeout(hung);
  await Promise.all(stops);
  await cleanUp(dir, master, slaves, acted && step.end === 'kill-master', timeline.slaveStop, problems);
  debug(`incarnation ${number}: cleaned up`);
  for (const stray of processesIn(dir)) {
    problems.push(`left behind after incarnation ${number}: pid ${stray.pid} ${stray.cmdline}`);
    kill(stray.pid);
  }
  if (problems.length > 0) saveLogs(dir, number, [master, ...slaves]);
  return { acted, exit, output: master.output(), problems };
}

const DEBUG = process.env.LC_DEBUG === '1';
const t0 = performance.now();
/** With LC_DEBUG=1, a timestamped line to stderr: where a seed's time goes. */
function debug(line: string): void {
  if (DEBUG) process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(2)} ${line}\n`);
}

/** The endpoint a tm-master prints once it listens. */
async function listening(master: Started): Promise<string | undefined> {
  for (;;) {
    const match = /listening on (tcp:\/\/[\d.]+:\d+)/.exec(master.output());
    if (match) return match[1];
    if (isGone(master.pid)) return undefined;
    await delay(20);
  }
}

/** Resolves true once the record holds `count` lines, false if the master is gone first. */
async function waitForRecords(record: string, count: number, master: Started): Promise<boolean> {
  while (recordCount(record) < count) {
    if (isGone(master.pid)) return false;
    await delay(10);
  }
  return true;
}

/** Resolves true once the master has printed a line matching `pattern`, false if it is gone first. */
async function waitForLine(pattern: RegExp, master: Started): Promise<boolean> {
  while (!pattern.test(master.output())) {
    if (isGone(master.pid)) return false;
    await delay(10);
  }
  return true;
}

/** Sends `signal` and notes a problem if `proc` is not gone within STOP_MS. */
async function stopOrReport(proc: Started, signal: NodeJS.Signals, problems: string[], group = false): Promise<void> {
  if (!(await stopWithin(proc.pid, signal, STOP_MS, group))) problems.push(`${proc.bin} pid ${proc.pid} did not stop within ${STOP_MS / 1000} s of ${signal}`);
}

/**
 * Ends what the incarnation left: a tm-run's slaves must be gone with it, unless it was killed
 * (then they are orphans, told to stop); separate slaves are told to stop (those the master sent
 * away leave by themselves), or killed, as the timeline says. Each has STOP_MS from its SIGTERM.
 */
async function cleanUp(dir: string, master: Started, slaves: readonly Started[], masterKilled: boolean, slaveStop: NodeJS.Signals, problems: string[]): Promise<void> {
  const own = new Set(slaves.map((slave) => slave.pid));
  // A killed tm-run's slaves outlive it; one it started just before the kill may never have been sampled: the dir names it.
  const strays = masterKilled ? processesIn(dir).map((stray) => stray.pid) : [];
  const orphans = [...new Set([...master.family, ...strays])].filter((pid) => !own.has(pid) && !isGone(pid));
  if (!masterKilled) {
    for (const pid of orphans) {
      if (await goneWithin(pid, 3000)) continue;
      problems.push(`${master.bin} pid ${master.pid} exited (${master.child.exitCode ?? master.child.signalCode}) leaving pid ${pid} behind`);
      kill(pid);
    }
  } else {
    await Promise.all(orphans.map((pid) => stopWithin(pid, 'SIGTERM', STOP_MS).then((ok) => void (ok || problems.push(`orphaned slave pid ${pid} of a killed ${master.bin} did not stop within ${STOP_MS / 1000} s of SIGTERM`)))));
  }
  await Promise.all(slaves.map(async (slave) => {
    if (await goneWithin(slave.pid, 500)) return;
    if (slaveStop === 'SIGKILL') kill(slave.pid);
    else await stopOrReport(slave, 'SIGTERM', problems);
  }));
  await Promise.all(slaves.map((slave) => slave.exited));
}

/** Writes each process's output to `<dir>/logs/`, for a seed that went wrong. */
function saveLogs(dir: string, number: number, procs: readonly Started[]): void {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  for (const proc of procs) writeFileSync(join(dir, 'logs', `${number}-${proc.bin}-${proc.pid}.log`), proc.output());
}

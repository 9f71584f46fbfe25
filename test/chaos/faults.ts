/** Injecting one fault of the schedule into a running cluster, and waiting until it is whole again. */
import type { Ledger } from '../../src/master/state/ledger.js';
import type { Proc } from '../helpers/processes.js';
import { recordedLedger } from '../helpers/state.js';
import { reRunBound } from './bound.js';
import { tail, type Cluster } from './cluster.js';
import type { RecordCounter } from './record-counter.js';
import type { FaultKind, PlannedFault } from './schedule.js';
import { within } from './wait.js';

/** A fault as it happened. */
export interface InjectedFault {
  /** 1-based, in schedule order. */
  readonly index: number;
  readonly kind: FaultKind;
  /** What it hit: `master pid 123` or `slave pid 456 (slot 2)`. */
  readonly target: string;
  /** Milliseconds since the run started. */
  readonly atMs: number;
  /** Record lines (job runs) when it fired. */
  readonly atLines: number;
  /** Extra job runs it may cause, and why (see bound.ts). */
  readonly bound: number;
  readonly why: string;
  /** Milliseconds until the cluster was whole again. */
  readonly recoveryMs: number;
  /** How the victim ended and what the master made of it. */
  readonly note: string;
}

/**
 * After a master ended: the jobs it had recorded done. DESIGN.md §2: none of them may run
 * again, so no record line past `fromByte` may name one.
 */
export interface HeardCheck {
  readonly fault: number;
  readonly heard: Ledger;
  readonly fromByte: number;
  /** A slave stopped by the fault just before: its stale jobs may still be running, so its lines are not checked. */
  readonly exemptPid: number | undefined;
}

export interface FaultContext {
  readonly index: number;
  readonly startedAt: number;
  readonly counter: RecordCounter;
  /** Pid of the slave the previous fault stopped, if it was a stop. */
  readonly previousStopped: number | undefined;
}

export interface FaultOutcome {
  readonly fault: InjectedFault;
  readonly heard?: HeardCheck;
  /** Pid of a slave this fault stopped and resumed. */
  readonly stopped?: number;
}

/** The master's graceful stop may take `--grace` (10 s by default): wait a little longer than that. */
const MASTER_STOP_MS = 20_000;
const SLAVE_STOP_MS = 20_000;

/** Injects `plan` into `cluster` and waits until the cluster is whole again. */
export async function inject(cluster: Cluster, plan: PlannedFault, context: FaultContext): Promise<FaultOutcome> {
  const at = Date.now();
  const atLines = context.counter.lines();
  const { bound, why } = reRunBound(plan.kind, { maxCredit: cluster.options.maxCredit, slaves: cluster.liveSlaves().length });
  const done = (target: string, note: string, extra: Omit<FaultOutcome, 'fault'> = {}): FaultOutcome => ({
    fault: { index: context.index, kind: plan.kind, target, atMs: at - context.startedAt, atLines, bound, why, recoveryMs: Date.now() - at, note },
    ...extra,
  });
  switch (plan.kind) {
    case 'kill-master':
    case 'term-master': {
      const pid = cluster.master.child.pid!;
      const { note, heard } = await restartMaster(cluster, plan.kind === 'kill-master' ? 'SIGKILL' : 'SIGTERM', context);
      return done(`master pid ${pid}`, note, { heard });
    }
    case 'kill-slave':
    case 'term-slave': {
      const victim = cluster.slaves[plan.slot]!;
      const note = await replaceSlave(cluster, plan.slot, plan.kind === 'kill-slave' ? 'SIGKILL' : 'SIGTERM');
      return done(`slave pid ${victim.child.pid} (slot ${plan.slot})`, note);
    }
    case 'stop-slave': {
      const victim = cluster.slaves[plan.slot]!;
      const note = await stopSlave(cluster, victim);
      return done(`slave pid ${victim.child.pid} (slot ${plan.slot})`, note, { stopped: victim.child.pid! });
    }
  }
}

/** Ends the master with `signal`, starts the next one on the same state, waits until every slave is welcomed by it. */
async function restartMaster(cluster: Cluster, signal: 'SIGKILL' | 'SIGTERM', context: FaultContext): Promise<{ note: string; heard: HeardCheck }> {
  const master = cluster.master;
  const slaves = cluster.liveSlaves().map((slave) => ({ slave, welcomes: cluster.welcomes(slave) }));
  master.child.kill(signal);
  const exit = await within(master.exited, MASTER_STOP_MS, `master pid ${master.child.pid} to exit after ${signal}`);
  const expected = signal === 'SIGKILL' ? exit.signal === 'SIGKILL' : exit.code === 143;
  if (!expected) throw new Error(`master pid ${master.child.pid} exited with ${describeExit(exit)} after ${signal}, not ${signal === 'SIGKILL' ? 'SIGKILL' : 'code 143'}:\n${tail(master)}`);
  const heard: HeardCheck = {
    fault: context.index,
    heard: recordedLedger(cluster.state),
    fromByte: context.counter.bytes(),
    exemptPid: context.previousStopped,
  };
  const waited = master.stderr.match(/stopping: waiting up to \d+ ms for (\d+) in-flight jobs/)?.[1];
  const next = await cluster.startMaster();
  await Promise.all(slaves.map(({ slave, welcomes }) => cluster.welcomed(slave, welcomes)));
  const resumed = next.stderr.match(/resuming at seq (\d+), (\d+) finished/);
  const stop = waited === undefined ? '' : `, ${waited} in flight at the signal`;
  return { note: `${describeExit(exit)}${stop}; ${heard.heard.finished} recorded done; next master pid ${next.child.pid} resumed at seq ${resumed?.[1] ?? '?'}`, heard };
}

/** Ends the slave in `slot` with `signal`, puts a new one there, waits until the master has dropped the old one. */
async function replaceSlave(cluster: Cluster, slot: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<string> {
  const victim = cluster.slaves[slot]!;
  const pid = victim.child.pid!;
  const mark = cluster.logMark();
  cluster.victims.add(victim);
  victim.child.kill(signal);
  const exit = await within(victim.exited, SLAVE_STOP_MS, `slave pid ${pid} to exit after ${signal}`);
  const expected = signal === 'SIGKILL' ? exit.signal === 'SIGKILL' : exit.code === 143;
  if (!expected) throw new Error(`slave pid ${pid} exited with ${describeExit(exit)} after ${signal}, not ${signal === 'SIGKILL' ? 'SIGKILL' : 'code 143'}:\n${tail(victim)}`);
  const [replacement, gone] = await Promise.all([cluster.replaceSlave(slot), cluster.gone(pid, mark, leaseWait(cluster))]);
  return `${describeExit(exit)}; master: ${gone}; new slave pid ${replacement.child.pid}`;
}

/** Stops `victim` until the master's lease drops it, then lets it go on and waits until it is welcomed again. */
async function stopSlave(cluster: Cluster, victim: Proc): Promise<string> {
  const pid = victim.child.pid!;
  const welcomes = cluster.welcomes(victim);
  const mark = cluster.logMark();
  const stoppedAt = Date.now();
  victim.child.kill('SIGSTOP');
  let gone: string;
  try {
    gone = await cluster.gone(pid, mark, leaseWait(cluster));
  } finally {
    victim.child.kill('SIGCONT');
  }
  const stoppedMs = Date.now() - stoppedAt;
  if (!gone.includes('lease')) throw new Error(`the master dropped stopped slave pid ${pid} for another reason than its lease: ${gone}`);
  await cluster.welcomed(victim, welcomes);
  return `stopped ${stoppedMs} ms; master: ${gone}; welcomed again`;
}

/** Long enough for a lease to run out and be noticed. */
function leaseWait(cluster: Cluster): number {
  return 3 * cluster.options.lease + 10_000;
}

function describeExit({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): string {
  return signal === null ? `exit ${code}` : signal;
}

/** Waiting on the run's progress, as the record shows it: a run that stops moving is a hang, and says so. */
import { tail, type Cluster } from './cluster.js';
import type { RecordCounter } from './record-counter.js';
import { DeadlineError, until } from './wait.js';

export interface StallOptions {
  /** Milliseconds without a new record line (while the master runs) that count as a hang. */
  readonly stallMs: number;
}

/** Watches the record for growth; throws a DeadlineError once it has not grown for `stallMs`. */
function stallWatch(cluster: Cluster, counter: RecordCounter, { stallMs }: StallOptions, what: string): () => void {
  let lines = counter.lines();
  let movedAt = Date.now();
  return () => {
    const now = counter.lines();
    if (now !== lines) {
      lines = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new DeadlineError(`the run stalled at ${now} job runs for ${stallMs} ms while waiting for ${what}; the master said:\n${tail(cluster.master)}`);
    }
  };
}

/** Resolves true once the record holds `lines` lines, false if the master exits first. */
export async function reachLines(cluster: Cluster, counter: RecordCounter, lines: number, options: StallOptions): Promise<boolean> {
  const what = `${lines} job runs`;
  const watch = stallWatch(cluster, counter, options, what);
  const outcome = await until(
    () => {
      if (counter.lines() >= lines) return 'reached';
      if (cluster.masterExit() !== undefined) return 'ended';
      watch();
      return undefined;
    },
    what,
    { timeout: Infinity, interval: 10 },
  );
  return outcome === 'reached';
}

/** Resolves with the current master's exit once it ends; throws if the run stops moving first. */
export async function awaitEnd(cluster: Cluster, counter: RecordCounter, options: StallOptions): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const watch = stallWatch(cluster, counter, options, 'the master to finish');
  await until(
    () => {
      if (cluster.masterExit() !== undefined) return true;
      watch();
      return undefined;
    },
    'the master to finish',
    { timeout: Infinity, interval: 50 },
  );
  return cluster.master.exited;
}

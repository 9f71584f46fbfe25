/**
 * How many job runs a fault may add, by DESIGN.md §2: after a process crash the only re-runs
 * are the jobs that were in flight, and the master never lets more than a slave's
 * `--max-credit` (its announced capacity) be in flight to it.
 */
import type { FaultKind } from './schedule.js';

/** The re-runs one fault may cause, and the reasoning, for the report. */
export interface FaultBound {
  readonly bound: number;
  readonly why: string;
}

export interface BoundInputs {
  /** Each slave's `--max-credit`. */
  readonly maxCredit: number;
  /** Slave processes alive when the fault hit. */
  readonly slaves: number;
}

/** The most extra job runs `kind` may cause. */
export function reRunBound(kind: FaultKind, { maxCredit, slaves }: BoundInputs): FaultBound {
  switch (kind) {
    case 'kill-master':
      // Every slave runs on through what it holds (reported or not) until the next master welcomes it.
      return { bound: slaves * maxCredit, why: `${slaves} slaves × max credit ${maxCredit}` };
    case 'kill-slave':
      return { bound: maxCredit, why: `the slave's max credit ${maxCredit}` };
    case 'stop-slave':
      // Its jobs go to others at the lease; on SIGCONT it runs at most what it held before the new WELCOME voids the rest.
      return { bound: maxCredit, why: `the stopped slave's max credit ${maxCredit}` };
    case 'term-master':
      // DESIGN.md §5: in-flight jobs finish and are recorded within --grace before it exits.
      return { bound: 0, why: 'graceful: in-flight jobs finish and are recorded' };
    case 'term-slave':
      // DESIGN.md §5: running jobs finish and report, unstarted ones go back in BYE.
      return { bound: 0, why: 'graceful: running jobs report, the rest go back unstarted' };
  }
}

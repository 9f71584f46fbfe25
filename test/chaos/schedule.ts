/** The chaos schedule: which faults, in which order, at what progress, drawn from a seed. */
import { below, mulberry32, shuffled } from './prng.js';

/** Every fault the chaos run injects. */
export const FAULT_KINDS = ['kill-master', 'term-master', 'kill-slave', 'term-slave', 'stop-slave'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault of the schedule. */
export interface PlannedFault {
  readonly kind: FaultKind;
  /** It fires once the record holds this many lines (job runs), and the fault before it is over. */
  readonly atLines: number;
  /** The slave slot it hits (slave faults only). */
  readonly slot: number;
}

export interface ScheduleOptions {
  readonly jobs: number;
  readonly faults: number;
  readonly slaves: number;
}

/** Progress, as a share of the jobs, over which the faults are spread: none at the very start or end. */
const FIRST = 0.05;
const LAST = 0.8;

/**
 * `faults` faults spread evenly (with jitter) over 5–80% of the run, every kind at least once
 * when there are enough of them, the rest drawn at random.
 */
export function planFaults(seed: number, { jobs, faults, slaves }: ScheduleOptions): PlannedFault[] {
  const random = mulberry32(seed);
  const kinds = shuffled(random, [
    ...FAULT_KINDS.slice(0, faults),
    ...Array.from({ length: Math.max(0, faults - FAULT_KINDS.length) }, () => FAULT_KINDS[below(random, FAULT_KINDS.length)]!),
  ]);
  return kinds.map((kind, i) => ({
    kind,
    atLines: Math.round(jobs * (FIRST + ((LAST - FIRST) * (i + random())) / faults)),
    slot: below(random, slaves),
  }));
}

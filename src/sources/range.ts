/**
 * Built-in source `taskmaster-ts/sources/range`: the integers from `from=` (default 0) up to, not
 * including, `to=`, by `step=` (default 1; negative counts down). Job `seq` is `from + seq * step`,
 * so a resume (plain yields: `last` is the seq to start at) computes where it was, reading nothing.
 *
 *   tm-run --source taskmaster-ts/sources/range ./handler.ts 2 from=1 to=1000001
 */
import type { JobArgs } from '../task/task.js';
import { SourceArgs } from './source-args.js';

/** A range as its args give it, checked. */
export interface IntegerRange {
  readonly from: number;
  readonly step: number;
  /** How many integers it holds. */
  readonly count: number;
}

/** Reads and checks `from=`, `to=`, `step=`: a step that never reaches `to` is a mistake, said so. */
export function rangeOf(raw: JobArgs | undefined): IntegerRange {
  const args = new SourceArgs('range', raw, ['from', 'to', 'step']);
  const from = args.integer('from', 0);
  const to = args.integer('to', undefined);
  const step = args.integer('step', 1);
  if (step === 0) args.fail('expected `step=` to be a non-zero integer, got `0`');
  if ((to - from) * step < 0) args.fail(`step=${step} never reaches to=${to} from from=${from}; ${step > 0 ? 'count down with a negative step' : 'count up with a positive step'}`);
  const count = Math.ceil((to - from) / step);
  if (!Number.isSafeInteger(from + (count - 1) * step)) args.fail(`the range from=${from} to=${to} leaves the safe integers`);
  return { from, step, count };
}

/** The integers of the range, from seq `last` on (0 on a fresh start). Checks the args before the first job. */
export function getJobs(last: number | undefined, args: JobArgs): Iterable<number> {
  const range = rangeOf(args);
  return integers(range, last ?? 0);
}

/** How many integers the range holds: exact, and free. */
export function countJobs(args: JobArgs): number {
  return rangeOf(args).count;
}

function* integers({ from, step, count }: IntegerRange, start: number): Generator<number> {
  for (let seq = start; seq < count; seq++) yield from + seq * step;
}

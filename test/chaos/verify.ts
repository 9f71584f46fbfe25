/** What the record and the state say after a chaos run: every job ran, how many ran again, what the state holds. */
import { readFileSync } from 'node:fs';
import { readStateFields, recordedLedger } from '../helpers/state.js';
import type { HeardCheck } from './faults.js';

/** A job that ran again after a master had recorded it done. */
export interface HeardAgain {
  readonly fault: number;
  readonly job: number;
  readonly pid: number;
}

export interface Verdict {
  /** Lines in the record: job runs. */
  readonly lines: number;
  /** Jobs of 0..N-1 that never ran, and the first few of them. */
  readonly missing: number;
  readonly firstMissing: readonly number[];
  /** Lines naming no job of 0..N-1. */
  readonly foreign: number;
  /** Runs beyond the first, over all jobs, and the jobs that ran more than once. */
  readonly extraRuns: number;
  readonly reran: number;
  readonly maxRuns: number;
  /** Runs of jobs a master had recorded done before it ended (DESIGN.md §2 says none), and the first few. */
  readonly heardAgain: number;
  readonly firstHeardAgain: readonly HeardAgain[];
  /** The final state file. */
  readonly state: { readonly finished: boolean; readonly watermark: number; readonly doneAbove: number; readonly failed: number; readonly recorded: number };
}

const EXAMPLES = 10;

/** Tallies the record at `record` for jobs `0 … jobs-1`, checks it against `heardChecks`, and reads the state at `state`. */
export function verify(record: string, state: string, jobs: number, heardChecks: readonly HeardCheck[]): Verdict {
  const bytes = readFileSync(record);
  // Saturating counts: a job that ran 255 times is as wrong as one that ran 300.
  const runs = new Uint8Array(jobs);
  let lines = 0;
  let foreign = 0;
  let heardAgain = 0;
  const firstHeardAgain: HeardAgain[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    const [job, pid] = parseLine(bytes, start, end);
    lines++;
    if (job < 0 || job >= jobs) {
      foreign++;
    } else {
      if (runs[job]! < 255) runs[job]!++;
      for (const check of heardChecks) {
        if (start < check.fromByte || pid === check.exemptPid || !check.heard.isFinished(job)) continue;
        heardAgain++;
        if (firstHeardAgain.length < EXAMPLES) firstHeardAgain.push({ fault: check.fault, job, pid });
      }
    }
    start = end + 1;
  }
  let missing = 0;
  let extraRuns = 0;
  let reran = 0;
  let maxRuns = 0;
  const firstMissing: number[] = [];
  for (let job = 0; job < jobs; job++) {
    const n = runs[job]!;
    if (n === 0) {
      missing++;
      if (firstMissing.length < EXAMPLES) firstMissing.push(job);
    } else if (n > 1) {
      reran++;
      extraRuns += n - 1;
    }
    maxRuns = Math.max(maxRuns, n);
  }
  const fields = readStateFields(state);
  const stateSummary = {
    finished: fields.finished,
    watermark: fields.ledger.watermark,
    doneAbove: fields.ledger.doneAbove.length,
    failed: fields.ledger.failed,
    recorded: recordedLedger(state).finished,
  };
  return { lines, missing, firstMissing, foreign, extraRuns, reran, maxRuns, heardAgain, firstHeardAgain, state: stateSummary };
}

/** `<job> <pid>` as two numbers; -1 for a field that is not a number. */
function parseLine(bytes: Buffer, start: number, end: number): [number, number] {
  const space = bytes.indexOf(32, start);
  const split = space === -1 || space > end ? end : space;
  return [digits(bytes, start, split), split === end ? -1 : digits(bytes, split + 1, end)];
}

function digits(bytes: Buffer, start: number, end: number): number {
  if (start === end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

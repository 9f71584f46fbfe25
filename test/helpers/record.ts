/** Reading the file test/fixtures/record.ts appends to: one line per run of a job. */
import { readFileSync } from 'node:fs';

/** One line of the record: a job that ran (or, with `failed`, an attempt that threw). */
export interface RecordLine {
  readonly job: number;
  /** The slave's pid, when the fixture ran with TM_RECORD_PID=1. */
  readonly pid: number | undefined;
  readonly failed: boolean;
}

/** What the record says about the jobs `0 … n-1`. */
export interface Tally {
  /** Jobs that never ran successfully. */
  readonly missing: number[];
  /** Jobs that ran successfully more than once. */
  readonly reran: number[];
  /** Successful runs beyond the first, over all jobs. */
  readonly extraRuns: number;
  /** How often each job ran successfully. */
  readonly runs: Map<number, number>;
}

/** The record's lines; a missing file is an empty record. */
export function readRecord(path: string): RecordLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const failed = line.startsWith('!');
      const [job, pid] = (failed ? line.slice(1) : line).split(' ');
      return { job: Number(job), pid: pid === undefined ? undefined : Number(pid), failed };
    });
}

/** How many lines the record has now: cheap enough to poll. */
export function countLines(path: string): number {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let lines = 0;
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines++;
  return lines;
}

/** Counts the successful runs of each of the jobs `expected` in `lines`. */
export function tally(lines: readonly RecordLine[], expected: Iterable<number>): Tally {
  const runs = new Map<number, number>();
  for (const line of lines) if (!line.failed) runs.set(line.job, (runs.get(line.job) ?? 0) + 1);
  const missing: number[] = [];
  for (const job of expected) if (!runs.has(job)) missing.push(job);
  const reran = [...runs].filter(([, count]) => count > 1).map(([job]) => job);
  const extraRuns = [...runs.values()].reduce((sum, count) => sum + count - 1, 0);
  return { missing, reran, extraRuns, runs };
}

/** The numbers `0 … n-1`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

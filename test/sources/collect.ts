/** Helpers for the built-in sources' tests: a source's jobs in full, with or without their cursors. */
import { readFileSync } from 'node:fs';
import { isRejectedJob, isWithCursor, type Cursor } from '../../src/task/task.js';

/** One yielded job as a test compares it. */
export interface Yielded {
  readonly job: unknown;
  readonly cursor: Cursor | undefined;
  /** The reason, for a `rejectJob`. */
  readonly rejected?: string;
}

/** Every job a generator yields, unwrapped. */
export async function collect(jobs: AsyncIterable<unknown> | Iterable<unknown>): Promise<Yielded[]> {
  const out: Yielded[] = [];
  for await (const value of jobs) {
    const job = isWithCursor(value) ? value.job : value;
    const cursor = isWithCursor(value) ? value.cursor : undefined;
    out.push(isRejectedJob(job) ? { job: job.job, cursor, rejected: job.error.message } : { job, cursor });
  }
  return out;
}

/** The JSON lines of a file a fixture recorded to; none when it does not exist. */
export function recorded(path: string): unknown[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The task-module contract: the functions a user's module exports (DESIGN.md §1). */

/** `key=value` words from the command line, as strings. */
export type JobArgs = Readonly<Record<string, string>>;

/** What a cursor may be: it is stored in the checkpoint as JSON. */
export type Cursor = string | number | boolean | null | readonly Cursor[] | { readonly [key: string]: Cursor };

/** What `handleJob` receives beside the job. */
export interface JobContext {
  /** The job's sequence number over the whole run. */
  readonly seq: number;
  /** 0 for the first try, then 1, 2, … for retries. */
  readonly attempt: number;
}

/** `getJobs(last, args)`: yields jobs, resuming after `last` (see DESIGN.md §1). */
export type GetJobs = (last: unknown, args: JobArgs) => AsyncIterable<unknown> | Iterable<unknown>;
export type HandleJob = (job: never, context: JobContext) => unknown;
export type CountJobs = (args: JobArgs) => number | bigint | Promise<number | bigint>;
export type HandleResult = (result: never, job: never) => unknown;

const CURSOR = Symbol.for('taskmaster.cursor');

/** A job paired with the resume key the generator wants back as `last` (see `withCursor`). */
export interface WithCursor<J = unknown> {
  readonly [CURSOR]: true;
  readonly job: J;
  readonly cursor: Cursor;
}

/**
 * Yields `job` with a resume key: on resume, `getJobs` receives as `last` the key of the last
 * job of the contiguous completed prefix, so keyset pagination (`WHERE id > $last`) resumes
 * exactly.
 *
 * @example
 * for (const row of await db.query('SELECT * FROM t WHERE id > $1 ORDER BY id', [last ?? 0]))
 *   yield withCursor(row, row.id);
 */
export function withCursor<J>(job: J, cursor: Cursor): WithCursor<J> {
  return { [CURSOR]: true, job, cursor };
}

/** Whether a yielded value came from `withCursor`. */
export function isWithCursor(value: unknown): value is WithCursor {
  return typeof value === 'object' && value !== null && (value as Partial<WithCursor>)[CURSOR] === true;
}

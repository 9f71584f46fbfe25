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
/**
 * How far through its data the generator is once every job up to `cursor` (the cursor of the last
 * job of the finished prefix, as `withCursor` gave it) is done: 0 to 1, or undefined. For sources
 * whose size is known but whose job count is not, such as the bytes of a file of lines: the bar
 * then shows a percentage and an ETA without a count, and nothing is read twice. Runs in the master.
 */
export type ProgressOf = (cursor: Cursor, args: JobArgs) => number | undefined;
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
 * The key is kept in the state as JSON, so it must come back from JSON exactly as it went in: a
 * string, a finite number, a boolean, null, or arrays and plain objects of them. A key that would
 * not (a symbol, a function, undefined anywhere in it, NaN or ±Infinity, a bigint, a Date, a Map
 * or another class instance, a cycle, or nesting past 500 levels) stops the run at its seq with
 * a usage error saying what and where, as a job that cannot travel does.
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

const REJECTED = Symbol.for('taskmaster.rejected');

/** A job its generator refused (see `rejectJob`). */
export interface RejectedJob<J = unknown> {
  readonly [REJECTED]: true;
  readonly job: J;
  readonly error: { readonly message: string; readonly name?: string };
}

/**
 * Yields a job the generator cannot make (a malformed line, a row that fails a check): it gets
 * its seq like any job, and is dead-lettered at once in the master with `reason`, with 0
 * attempts: never sent to a slave, never retried, never fatal. `--retry-failed` keeps it
 * dead-lettered (the input itself is bad). Wrap it in `withCursor` in a keyed run.
 *
 * @example
 * try { yield withCursor(JSON.parse(text), offset); }
 * catch (error) { yield withCursor(rejectJob({ line, text }, error), offset); }
 */
export function rejectJob<J>(job: J, reason: string | { readonly message: string; readonly name?: string }): RejectedJob<J> {
  const error = typeof reason === 'string' ? { message: reason } : { message: String(reason.message), ...(reason.name === undefined ? {} : { name: String(reason.name) }) };
  return { [REJECTED]: true, job, error };
}

/** Whether a yielded job came from `rejectJob`. */
export function isRejectedJob(value: unknown): value is RejectedJob {
  return typeof value === 'object' && value !== null && (value as Partial<RejectedJob>)[REJECTED] === true;
}

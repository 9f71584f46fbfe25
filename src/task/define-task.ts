/**
 * `defineTask`: a task module typed end to end. The job type comes from what `getJobs` yields
 * (or the handler's parameter), the result type from what `handleJob` returns, and both flow to
 * `handleResult` and to `run()`'s results, so a handler that takes something else fails to compile.
 */
import type { Cursor, JobArgs, JobContext, WithCursor } from './task.js';

/** A task module's functions, typed by its jobs and its handler's results. */
export interface Task<Job, Result> {
  /**
   * Yields the jobs, from after `last` on a resume (a seq for plain yields, the cursor of the last
   * finished job for `withCursor` ones; undefined on a fresh start). Runs in the master.
   */
  getJobs(last: Cursor | undefined, args: JobArgs): AsyncIterable<Job | WithCursor<Job>> | Iterable<Job | WithCursor<Job>>;
  /** Does one job, in a slave's thread; must be idempotent. */
  readonly handleJob: (job: Job, context: JobContext) => Result | PromiseLike<Result>;
  /** Runs in the master for each success, before the job is recorded as done. */
  readonly handleResult?: (result: Result, job: Job) => unknown;
  /** How many jobs there are, for the ETA. */
  readonly countJobs?: (args: JobArgs) => number | bigint | PromiseLike<number | bigint>;
  /** How far through its data the generator is at the cursor of the finished prefix, 0 to 1 (for a % and an ETA without a count). */
  readonly progressOf?: (cursor: Cursor, args: JobArgs) => number | undefined;
}

/** The job type of a task (`typeof import('./task.js').default`). */
export type JobOf<T> = T extends Task<infer Job, infer _Result> ? Job : unknown;
/** The result type of a task's handler, awaited. */
export type ResultOf<T> = T extends Task<infer _Job, infer Result> ? Awaited<Result> : unknown;

/**
 * Types a task module: export its result as the module's default, and the master and slaves
 * load its functions from it as they would named exports.
 *
 * @example
 * export default defineTask({
 *   async *getJobs(last, args) {
 *     for (let i = Number(last ?? 0); i < Number(args.n ?? 100); i++) yield i;
 *   },
 *   handleJob: (i: number) => ({ i, square: i * i }),
 *   handleResult: (result) => void console.log(result.square), // result: { i: number; square: number }
 * });
 */
export function defineTask<Job, Result>(task: Task<Job, Result>): Task<Job, Result> {
  return task;
}

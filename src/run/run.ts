/**
 * `run()`: a whole run from your own code, the way tm-run runs one from a shell: a master in this
 * process, slave processes on this host (the supervisor tm-run uses), progress events, the
 * results as an async iterator, and `done`. Every child process is ended on every path.
 */
import { EventEmitter } from 'node:events';
import type { Task, JobOf, ResultOf } from '../task/define-task.js';
import { createLogger } from '../common/log.js';
import { LocalRun } from './local-run.js';
import type { ProgressSnapshot } from '../master/observe/progress.js';
import type { Summary } from '../master/observe/summary.js';
import { ALREADY_FINISHED } from '../master/plan/main-run.js';
import { CAPACITY, ResultQueue } from './result-queue.js';
import { RUN_DEFAULTS, setUpRun, type RunOptions } from './run-options.js';
import { EXIT } from '../common/exit-codes.js';

/** One success, as `handle.results` yields it. */
export interface RunResult<Job, Result> {
  readonly job: Job;
  readonly result: Result;
}

export interface RunEvents {
  /** A moment of the run, every 250 ms while its master runs; the last is the run's final count, given once it ended. */
  progress: [ProgressSnapshot];
  /** Something the caller should know that is no error: the state had finished already, so nothing runs. */
  warning: [string];
}

/** A run started by `run()`: its progress, its results, its end, and two ways to stop it. */
export class RunHandle<Job = unknown, Result = unknown> extends EventEmitter<RunEvents> {
  /** Resolves with the summary once the run has ended and every slave process has exited; rejects with a usage error. */
  readonly done: Promise<Summary>;
  readonly #results: ResultQueue<RunResult<Job, Result>>;
  readonly #signal: AbortSignal | undefined;
  #local: LocalRun | undefined;
  /** Stops asked for before the run was set up (a second is immediate), applied once it is. */
  #stops = 0;

  /** @internal Use `run()`. */
  constructor(options: RunOptions) {
    super();
    this.#results = new ResultQueue(CAPACITY, Boolean(options.results ?? RUN_DEFAULTS.results));
    this.#signal = options.signal;
    const onAbort = (): void => this.stop();
    this.#signal?.addEventListener('abort', onAbort, { once: true });
    this.done = this.#run(options).finally(() => this.#signal?.removeEventListener('abort', onAbort));
    this.done.then(
      () => this.#results.close(),
      (error: unknown) => this.#results.fail(error),
    );
  }

  /**
   * Each success's job and result, in the order the master recorded them. Only with `results:
   * true`: without it none are kept, and iterating throws a TypeError that says so.
   * Read them as they come: the master holds at most a thousand or so unread, then waits.
   * Breaking out of the loop drops the rest, and the run goes on.
   */
  get results(): AsyncIterable<RunResult<Job, Result>> {
    return this.#results;
  }

  /**
   * Stops gracefully: no new dispatch, the slaves finish their running jobs and hand the rest
   * back, the state is flushed; `done` resolves with outcome `stopped`. A second call (or
   * `destroy()`) stops at once. Aborting the run's `signal` calls this.
   */
  stop(): void {
    this.#stops++;
    this.#local?.stop();
  }

  /**
   * Stops at once: the master flushes the state and the slaves are killed (the jobs they were
   * running stay pending, and run again next time). Idempotent.
   */
  destroy(): void {
    this.#stops = 2;
    this.#local?.destroy();
  }

  async #run(options: RunOptions): Promise<Summary> {
    if (this.#signal?.aborted === true) throw this.#signal.reason;
    const setup = await setUpRun(options);
    const results = this.#results;
    const onResult = setup.results ? (result: unknown, job: unknown) => results.push({ job: job as Job, result: result as Result }) : undefined;
    const local = new LocalRun({
      master: { ...setup.master, onResult },
      slaves: { ...setup.slaves, logLevel: setup.logLevel, cwd: setup.cwd },
      hosts: setup.hosts,
      logger: createLogger('run', setup.logLevel),
    });
    this.#local = local;
    if (this.#stops >= 2) local.destroy();
    else if (this.#stops === 1) local.stop();
    const master = await local.started;
    const forward = (snapshot: ProgressSnapshot): boolean => this.emit('progress', snapshot);
    master.on('progress', forward);
    if (master.alreadyFinished) this.emit('warning', ALREADY_FINISHED);
    try {
      const summary = await local.done;
      // The ticks stop with the master: the final count comes as one last event.
      this.emit('progress', master.progress());
      // Slaves that could not load the handler: a usage error, as the bins' exit code 2 says.
      if (summary.exitCode === EXIT.usage && summary.error !== undefined) throw summary.error;
      return summary;
    } finally {
      master.off('progress', forward);
    }
  }
}

/**
 * Runs a task from your own code: a master in this process and `slaves` slave processes on this
 * host. Type it with the task module's type, `run<typeof import('../task/task.js').default>(…)`, and
 * its jobs and results come typed.
 *
 * @example
 * const handle = run<typeof import('./squares.js').default>({ module: new URL('./squares.ts', import.meta.url), args: { n: '1000' }, slaves: 2, results: true });
 * handle.on('progress', (p) => console.log(`${p.finished} of ${p.total}`));
 * for await (const { job, result } of handle.results) console.log(job, result);
 * const summary = await handle.done; // { outcome: 'finished', done: 1000, … }
 */
export function run<T = Task<unknown, unknown>>(options: RunOptions): RunHandle<JobOf<T>, ResultOf<T>> {
  return new RunHandle<JobOf<T>, ResultOf<T>>(options);
}

export type { RunOptions } from './run-options.js';

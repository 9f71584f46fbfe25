/**
 * `run()`: a whole run from your own code, the way tm-run runs one from a shell: a master in this
 * process, slave processes on this host (the supervisor tm-run uses), progress events, the
 * results as an async iterator, and `done`. Every child process is ended on every path.
 */
import { EventEmitter } from 'node:events';
import type { Task, JobOf, ResultOf } from './define-task.js';
import { createLogger } from './log.js';
import { Master } from './master/master.js';
import type { ProgressSnapshot } from './master/run-progress.js';
import type { Summary } from './master/summary.js';
import { CAPACITY, ResultQueue } from './result-queue.js';
import { RUN_DEFAULTS, setUpRun, type RunOptions, type RunSetup } from './run-options.js';
import { Supervisor } from './spawn/supervisor.js';
import { UsageError } from './errors.js';

/** One success, as `handle.results` yields it. */
export interface RunResult<Job, Result> {
  readonly job: Job;
  readonly result: Result;
}

export interface RunEvents {
  /** A moment of the run, every 250 ms while its master runs. */
  progress: [ProgressSnapshot];
}

/** How long slaves told the run is over get to leave before they are sent SIGTERM (as tm-run). */
const SLAVES_LEAVE_MS = 5000;

/** A run started by `run()`: its progress, its results, its end, and two ways to stop it. */
export class RunHandle<Job = unknown, Result = unknown> extends EventEmitter<RunEvents> {
  /** Resolves with the summary once the run has ended and every slave process has exited; rejects with a usage error. */
  readonly done: Promise<Summary>;
  readonly #results: ResultQueue<RunResult<Job, Result>>;
  readonly #signal: AbortSignal | undefined;
  #master: Master | undefined;
  #supervisor: Supervisor | undefined;
  /** Stops asked for so far (a second is immediate), applied as the master and the slaves start. */
  #stops = 0;
  #destroyed = false;

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
    if (this.#stops > 0) return this.destroy();
    this.#stops = 1;
    this.#master?.stop();
    this.#supervisor?.stop();
  }

  /**
   * Stops at once: the master flushes the state and the slaves are killed (the jobs they were
   * running stay pending, and run again next time). Idempotent.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#stops = 2;
    this.#master?.stop();
    this.#master?.stop();
    this.#supervisor?.stop('SIGKILL');
  }

  async #run(options: RunOptions): Promise<Summary> {
    if (this.#signal?.aborted === true) throw this.#signal.reason;
    const setup = await setUpRun(options);
    const results = this.#results;
    const onResult = setup.results ? (result: unknown, job: unknown) => results.push({ job: job as Job, result: result as Result }) : undefined;
    // Its slaves start as soon as the master is bound, and start up while it loads the module and opens the state.
    const master = await Master.start({ ...setup.master, onResult, onListening: (endpoint) => this.#startSlaves(setup, endpoint) }).catch(async (error: unknown) => {
      this.#supervisor?.stop('SIGKILL');
      await this.#supervisor?.done;
      throw error;
    });
    this.#master = master;
    const forward = (snapshot: ProgressSnapshot): boolean => this.emit('progress', snapshot);
    master.on('progress', forward);
    try {
      for (let i = 0; i < this.#stops; i++) master.stop();
      // A run the state says has finished ends at once, with no slave.
      const supervisor = this.#supervisor ?? ((await master.needsSlaves) ? this.#startSlaves(setup, master.endpoint) : undefined);
      let slavesFailed = false;
      void supervisor?.done.then((code) => {
        if (code !== 2) return;
        slavesFailed = true;
        master.stop();
      });
      const summary = await master.done;
      // As tm-run: the slaves of a run that is over leave on being told; those of a stop are stopped.
      const over = summary.outcome === 'finished' || summary.halt !== undefined;
      if (over && !this.#destroyed) supervisor?.release();
      const linger = setTimeout(() => supervisor?.stop(this.#destroyed ? 'SIGKILL' : 'SIGTERM'), over && !this.#destroyed ? SLAVES_LEAVE_MS : 0);
      await supervisor?.done;
      clearTimeout(linger);
      if (slavesFailed && summary.outcome !== 'finished') throw new UsageError(`the slaves of ${setup.slaves.target} exited with code 2: a usage error, or refused by the master (their log says which)`);
      return summary;
    } catch (error) {
      // Nothing may outlive the run: its master stops at once, and its slaves with it.
      this.destroy();
      await master.done;
      await this.#supervisor?.done;
      throw error;
    } finally {
      master.off('progress', forward);
    }
  }

  #startSlaves(setup: RunSetup, address: string): Supervisor {
    const { target, count, threads, concurrency, maxCredit } = setup.slaves;
    const supervisor = new Supervisor({ target, count, address, threads, concurrency, maxCredit, logLevel: setup.logLevel, cwd: setup.cwd }, createLogger('run', setup.logLevel));
    this.#supervisor = supervisor;
    if (this.#destroyed) supervisor.stop('SIGKILL');
    else if (this.#stops > 0) supervisor.stop();
    return supervisor;
  }
}

/**
 * Runs a task from your own code: a master in this process and `slaves` slave processes on this
 * host. Type it with the task module's type, `run<typeof import('./task.js').default>(…)`, and
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

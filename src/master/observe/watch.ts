/**
 * What a window onto a run (the HTTP dashboard, /metrics) sees beyond the STATUS report: counts
 * since this master started, handler time per job, and the last dead letters and requeues. The
 * dispatcher and the recorder tell it as things happen (it is their RunObserver), each in O(1)
 * and without allocating on the path of a success, so a run nobody watches pays nothing worth
 * measuring.
 */
import type { StatusReport } from '../../protocol/messages.js';
import type { ObservedDeadLetter, RunObserver } from '../jobs/run-observer.js';
import { DurationHistogram } from './duration-histogram.js';

/** How many dead letters and requeues are kept for the page: the last ones, not all. */
export const RECENT = 10;

/** A job that ran out of retries, as the page lists it. */
export interface RecentDeadLetter extends ObservedDeadLetter {
  /** ms since the epoch. */
  readonly at: number;
}

/** In-flight jobs put back in the buffer because their slave left, went silent or reconnected. */
export interface RecentRequeue {
  readonly slave: string;
  readonly jobs: number;
  readonly why: string;
  readonly at: number;
}

/** Counts since this master started: a new master starts them at 0, as Prometheus counters do. */
export interface WatchCounts {
  readonly done: number;
  readonly deadLettered: number;
  /** Attempts that failed (retried or dead-lettered). */
  readonly failedAttempts: number;
  readonly retried: number;
  readonly requeued: number;
}

/** Observes a run's core (see RunObserver) and keeps what a window onto it shows. */
export class RunWatch implements RunObserver {
  readonly durations = new DurationHistogram();
  readonly #report: () => StatusReport;
  readonly #recorded: () => { readonly done: number; readonly failed: number };
  readonly #deadLetters: RecentDeadLetter[] = [];
  readonly #requeues: RecentRequeue[] = [];
  #failedAttempts = 0;
  #retried = 0;
  #requeued = 0;

  /** `report`: the STATUS answer, built by the dispatcher; `recorded`: the recorder's counts. */
  constructor(report: () => StatusReport, recorded: () => { readonly done: number; readonly failed: number }) {
    this.#report = report;
    this.#recorded = recorded;
  }

  /** The run now, exactly as `tm-status` gets it. */
  report(): StatusReport {
    return this.#report();
  }

  get counts(): WatchCounts {
    const { done, failed } = this.#recorded();
    return { done, deadLettered: failed, failedAttempts: this.#failedAttempts, retried: this.#retried, requeued: this.#requeued };
  }

  /** The last dead letters, newest first. */
  get deadLetters(): readonly RecentDeadLetter[] {
    return this.#deadLetters;
  }

  /** The last requeues, newest first. */
  get requeues(): readonly RecentRequeue[] {
    return this.#requeues;
  }

  /** A DONE said `jobs` handlers ran `totalMs` in all. */
  landed(totalMs: number, jobs: number): void {
    this.durations.observe(totalMs, jobs);
  }

  /** An attempt failed; `retry`: it runs again. */
  failed(retry: boolean): void {
    this.#failedAttempts++;
    if (retry) this.#retried++;
  }

  deadLettered(letter: ObservedDeadLetter): void {
    keep(this.#deadLetters, { ...letter, error: letter.error.slice(0, 1000), at: Date.now() });
  }

  requeued(jobs: number, why: string, slave: string): void {
    this.#requeued += jobs;
    keep(this.#requeues, { slave, jobs, why, at: Date.now() });
  }
}

/** Puts `item` first in `list`, dropping the oldest past RECENT. */
function keep<T>(list: T[], item: T): void {
  list.unshift(item);
  if (list.length > RECENT) list.pop();
}

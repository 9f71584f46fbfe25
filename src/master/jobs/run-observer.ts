/**
 * What the core of a run (the dispatcher, its jobs in flight, the recorder) tells whoever watches
 * it, such as the --http dashboard's RunWatch: the one door observation comes in by. Each call is
 * O(1) and told as the thing happens; the core knows nothing of who listens or what they show.
 */

/** A job that ran out of retries, as the core tells it. */
export interface ObservedDeadLetter {
  /** The job's seq as log lines give it (a --retry-failed run names the original). */
  readonly job: string;
  readonly attempts: number;
  readonly slave: string;
  readonly error: string;
}

/** Given to the core at construction; every call is optional to act on, none may throw. */
export interface RunObserver {
  /** A DONE said `jobs` handlers ran `totalMs` in all. */
  landed(totalMs: number, jobs: number): void;
  /** An attempt failed; `retry`: it runs again. */
  failed(retry: boolean): void;
  /** A job ran out of retries. */
  deadLettered(letter: ObservedDeadLetter): void;
  /** `jobs` in-flight jobs of `slave` went back to the buffer, because of `why` (its lease, a BYE, a reconnect). */
  requeued(jobs: number, why: string, slave: string): void;
}

/** How a run ended. */
export interface Summary {
  readonly outcome: 'finished' | 'stopped' | 'failed';
  /** Jobs this incarnation recorded as done, and as dead-lettered. */
  readonly done: number;
  readonly failed: number;
  /** Finished over the whole run, across incarnations. */
  readonly finished: number;
  readonly total: number | undefined;
  readonly durationMs: number;
  readonly rate: number;
  /** 0 all done, 1 some dead-lettered or a fatal error; a stop leaves it to the caller. */
  readonly exitCode: number;
  readonly error?: Error;
  /** The run's dead-letter file, when it holds jobs of this run that failed for good. */
  readonly deadLetters?: string;
}

import type { Halt } from '../controls/run-controls.js';
import type { Verdict } from '../end/run-end.js';
import type { ProgressSnapshot } from './progress.js';

export type { Halt } from '../controls/run-controls.js';

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
  /**
   * The exit code, as the run's end decided it (master/run-end.ts): 0 all done (or the `--limit`
   * taken and done), 1 dead letters, `--max-failures` or a fatal error, 2 slaves that could not
   * load the handler, 130 a stop by `stop()` or SIGINT, 143 by SIGTERM.
   */
  readonly exitCode: number;
  /** Why the run stopped on its own (`--limit`, `--max-failures`); absent for a stop by the caller. */
  readonly halt?: Halt;
  /** Why the run failed: its first failure, already said once by the master's log. */
  readonly error?: Error;
  /** The run's dead-letter file, when it holds jobs of this run that failed for good. */
  readonly deadLetters?: string;
  /**
   * The state said the run had finished before this incarnation began, and its generator gave no
   * new job: nothing ran. `reset` (`--reset`) runs it again.
   */
  readonly alreadyFinished?: true;
}

/**
 * The summary of a run that ended as `verdict` says, from what this incarnation recorded
 * (`counts`), the last progress snapshot and the run's dead-letter count.
 */
export function summarize(
  verdict: Verdict,
  counts: { readonly done: number; readonly failed: number },
  snap: ProgressSnapshot,
  deadLettered: number,
  deadLetterFile: string,
  resumedFinished = false,
): Summary {
  const { done, failed } = counts;
  return {
    ...verdict,
    done,
    failed,
    finished: snap.finished,
    total: snap.total,
    durationMs: snap.elapsedMs,
    rate: snap.elapsedMs > 0 ? ((done + failed) * 1000) / snap.elapsedMs : 0,
    ...(deadLettered > 0 ? { deadLetters: deadLetterFile } : {}),
    ...(resumedFinished && done + failed === 0 ? { alreadyFinished: true as const } : {}),
  };
}

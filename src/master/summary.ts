import type { Halt } from './run-controls.js';
import type { ProgressSnapshot } from './run-progress.js';

export type { Halt } from './run-controls.js';

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
  /** 0 all done (or stopped by `--limit`), 1 some dead-lettered or a fatal error; a stop by the caller leaves it to the caller. */
  readonly exitCode: number;
  /** Why the run stopped on its own (`--limit`, `--max-failures`); absent for a stop by the caller. */
  readonly halt?: Halt;
  readonly error?: Error;
  /** The run's dead-letter file, when it holds jobs of this run that failed for good. */
  readonly deadLetters?: string;
}

/**
 * The summary of a run that ended with `outcome` (or failed with `fatal`), from what this
 * incarnation recorded (`counts`), the last progress snapshot and the run's dead-letter count.
 */
export function summarize(
  outcome: Summary['outcome'],
  fatal: Error | undefined,
  counts: { readonly done: number; readonly failed: number },
  snap: ProgressSnapshot,
  deadLettered: number,
  deadLetterFile: string,
  halt?: Halt,
): Summary {
  const { done, failed } = counts;
  const ended = fatal !== undefined ? 'failed' : outcome;
  return {
    outcome: ended,
    done,
    failed,
    finished: snap.finished,
    total: snap.total,
    durationMs: snap.elapsedMs,
    rate: snap.elapsedMs > 0 ? ((done + failed) * 1000) / snap.elapsedMs : 0,
    exitCode: ended === 'failed' || deadLettered > 0 ? 1 : 0,
    ...(fatal ? { error: fatal } : {}),
    ...(deadLettered > 0 ? { deadLetters: deadLetterFile } : {}),
    ...(halt && ended === 'stopped' ? { halt } : {}),
  };
}

/**
 * The last writes of a run, in order, each failure reported and none skipping the next: the job
 * log, the state (released), then the plan's own files (a retry folds its outcome into the run's
 * dead letters, and only if the run finished with nothing failed on the way).
 */
import type { RunControls } from '../controls/run-controls.js';
import { failureOf, type Failure, type RunEnd } from './run-end.js';
import type { RunPlan } from '../plan/run-plan.js';
import type { Checkpoint } from '../state/checkpoint.js';

/**
 * Closes what the run writes; `finished` says whether the state was marked finished. Returns how
 * many jobs are dead-lettered now, when the plan says (a retry), else undefined.
 */
export async function closeRun(controls: RunControls, checkpoint: Checkpoint, plan: RunPlan, finished: boolean, end: RunEnd, fail: (failure: Failure) => void): Promise<number | undefined> {
  await controls.close().catch((error: unknown) => fail({ kind: 'fatal', error: error as Error }));
  try {
    checkpoint.close();
  } catch (error) {
    fail(failureOf(error, true));
  }
  try {
    return plan.finish(finished && end.failure === undefined);
  } catch (error) {
    fail(failureOf(error));
    return undefined;
  }
}

/** How much credit a slave grants: enough work for every lane, no more, since what it holds re-runs after a crash. */

/** Milliseconds of work to hold (queued and promised) per lane, so no lane waits on the wire. */
export const HOLD_MS = 100;

/**
 * Credit to grant now, on top of the `granted` the master has not used and the `held` jobs:
 * about HOLD_MS of work for each of `lanes` (2 jobs a lane until the ms per job is known), at
 * most `maxCredit` in all. Granted in lumps of at least an eighth of that, or none: a trickle of
 * small grants would come back as a trickle of small batches.
 */
export function creditToGrant(lanes: number, msPerJob: number | undefined, maxCredit: number, held: number, granted: number): number {
  const perLane = msPerJob === undefined ? 2 : Math.ceil(HOLD_MS / Math.max(msPerJob, 0.001));
  const want = Math.min(maxCredit, Math.max(2 * lanes, perLane * lanes));
  const give = want - held - granted;
  return give <= 0 || give < Math.ceil(want / 8) ? 0 : give;
}

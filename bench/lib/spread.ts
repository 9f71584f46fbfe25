/** How evenly some slaves shared a run's jobs: the fleet-sim workload's fairness figures. */

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** Coefficient of variation: the standard deviation over the mean (0: all equal); 0 for no jobs. */
  readonly cv: number;
}

/** The spread of jobs per slave; throws for no slaves, which no run has. */
export function spread(jobsPerSlave: readonly number[]): Spread {
  if (jobsPerSlave.length === 0) throw new Error('the spread of no slaves');
  const sorted = [...jobsPerSlave].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const mean = sorted.reduce((sum, n) => sum + n, 0) / sorted.length;
  const variance = sorted.reduce((sum, n) => sum + (n - mean) ** 2, 0) / sorted.length;
  return { min: sorted[0]!, median, max: sorted.at(-1)!, cv: mean === 0 ? 0 : Math.sqrt(variance) / mean };
}

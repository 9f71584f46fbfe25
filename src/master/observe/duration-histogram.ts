/**
 * Handler time per job as a Prometheus histogram, fed from the slaves' DONEs. A DONE carries the
 * summed handler ms of its jobs, not each job's (per-job times travel only for `--joblog`), so
 * every job of a DONE is counted in the bucket of that DONE's mean: one observation per DONE, a
 * few comparisons, whatever the batch size. `sum` and `count` are exact.
 */

/** Upper bounds in seconds, from 0.1 ms to 5 min: noop jobs to slow API calls. */
export const DURATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] as const;

export class DurationHistogram {
  /** Jobs per bucket, not cumulative; the last slot is past the last bound (+Inf). */
  readonly #counts = new Float64Array(DURATION_BUCKETS.length + 1);
  #sumSeconds = 0;
  #count = 0;

  /** Counts `jobs` jobs whose handlers ran `totalMs` in all. */
  observe(totalMs: number, jobs: number): void {
    if (!(jobs > 0) || !(totalMs >= 0)) return;
    const mean = totalMs / 1000 / jobs;
    let i = 0;
    while (i < DURATION_BUCKETS.length && mean > DURATION_BUCKETS[i]!) i++;
    this.#counts[i]! += jobs;
    this.#sumSeconds += totalMs / 1000;
    this.#count += jobs;
  }

  get sumSeconds(): number {
    return this.#sumSeconds;
  }

  get count(): number {
    return this.#count;
  }

  /** `[upper bound, jobs at or below it]` per bucket, cumulative, ending with `[Infinity, count]`. */
  cumulative(): Array<[number, number]> {
    let running = 0;
    const bounds = [...DURATION_BUCKETS, Infinity];
    return bounds.map((bound, i) => [bound, (running += this.#counts[i]!)]);
  }
}

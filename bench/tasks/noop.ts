/**
 * Bench task: jobs that do nothing, so a run measures the engine's own cost per job.
 * The floor (bench/baseline/floor-*.mjs) runs this same generator and handler.
 */

/** Yields 0 … n-1, resuming at `last`. */
export async function* getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<number> {
  const n = Number(args.n ?? 1_000_000);
  for (let i = last; i < n; i++) yield i;
}

/** Does nothing. */
export function handleJob(_job: number): void {}

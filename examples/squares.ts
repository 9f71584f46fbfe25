/**
 * The smallest task module: squares the numbers 0 … n-1.
 *
 *   npx tm-run examples/squares.ts 4 n=1000000
 */

/** Yields 0 … n-1, resuming at `last` (the count of jobs done contiguously from 0). */
export async function* getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<number> {
  const n = Number(args.n ?? 1_000_000);
  for (let i = last; i < n; i++) yield i;
}

/** Runs in a slave's worker thread; must be idempotent. */
export function handleJob(i: number): number {
  return i * i;
}

/** The total, for the progress bar's percentage and ETA. */
export function countJobs(args: Record<string, string> = {}): number {
  return Number(args.n ?? 1_000_000);
}

/**
 * Bench task: noop.ts as plain JavaScript, for start-up figures without TypeScript: no tsx in
 * the engine or in the baseline. The same generator and handler.
 */

/** Yields 0 … n-1, resuming at `last`. */
export async function* getJobs(last = 0, args = {}) {
  const n = Number(args.n ?? 1_000_000);
  for (let i = last; i < n; i++) yield i;
}

/** Does nothing. */
export function handleJob() {}

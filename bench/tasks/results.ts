/**
 * Bench task: no-op jobs that each return a 100-byte object (as JSON), so a run with `--results`
 * measures what carrying a result back and writing its line costs.
 */

/** Yields 0 … n-1, resuming at `last`. */
export async function* getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<number> {
  const n = Number(args.n ?? 1_000_000);
  for (let i = last; i < n; i++) yield i;
}

/** Returns about 100 bytes of JSON: `{"job":…,"ok":true,"status":"done","note":"…"}`. */
export function handleJob(job: number): { job: number; ok: boolean; status: string; note: string } {
  return { job, ok: true, status: 'done', note: 'a result of a no-op job, about a hundred bytes of JSON' };
}

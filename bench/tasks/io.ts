/** Bench task: jobs that await a 1 ms timer, standing in for an I/O call. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Yields 0 … n-1, resuming at `last`. */
export async function* getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<number> {
  const n = Number(args.n ?? 50_000);
  for (let i = last; i < n; i++) yield i;
}

/** Waits 1 ms. */
export async function handleJob(_job: number): Promise<void> {
  await sleep(1);
}

/** Bench task: CPU-bound jobs, each hashing 1 KiB with sha256 200 times. */
import { createHash } from 'node:crypto';

const ROUNDS = 200;

/** Yields 0 … n-1, resuming at `last`. */
export async function* getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<number> {
  const n = Number(args.n ?? 20_000);
  for (let i = last; i < n; i++) yield i;
}

/** Hashes a 1 KiB buffer derived from the job ROUNDS times; returns the last digest's first byte. */
export function handleJob(job: number): number {
  const data = Buffer.alloc(1024, job & 0xff);
  let digest = Buffer.alloc(0);
  for (let round = 0; round < ROUNDS; round++) digest = createHash('sha256').update(data).digest();
  return digest[0] ?? 0;
}

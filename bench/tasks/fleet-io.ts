/** Bench task of the fleet workload: 1 ms timer jobs, held until every host has joined (held-jobs.ts). */
import { setTimeout as sleep } from 'node:timers/promises';
import { heldJobs } from './held-jobs.js';

export function getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<number> {
  return heldJobs(last, args);
}

/** Waits 1 ms. */
export async function handleJob(_job: number): Promise<void> {
  await sleep(1);
}

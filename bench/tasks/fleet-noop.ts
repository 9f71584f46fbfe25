/** Bench task of the fleet workload: no-op jobs, held until every host has joined (held-jobs.ts). */
import { heldJobs } from './held-jobs.js';

export function getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<number> {
  return heldJobs(last, args);
}

/** Does nothing. */
export function handleJob(_job: number): void {}

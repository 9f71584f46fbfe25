// Piscina thread of the baselines: loads the bench task module (through tsx, as the engine
// does) and runs a chunk of jobs one after another, awaiting only thenables. No engine code.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const mod = await tsImport(workerData.module, import.meta.url);
const handle = mod[workerData.fn ?? 'handleJob'];

/** Runs the jobs of one chunk; returns how many ran. */
export default async function runChunk(jobs) {
  for (const job of jobs) {
    const value = handle(job);
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') await value;
  }
  return jobs.length;
}

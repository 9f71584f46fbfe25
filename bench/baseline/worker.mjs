// Piscina thread of the baselines: loads the bench task module (TypeScript through tsx, as the
// engine does) and runs a chunk of jobs one after another, awaiting only thenables. A chunk is an
// array, or msgpack bytes that the thread decodes, as the engine's threads decode theirs. No engine code.
import { workerData } from 'node:worker_threads';
import { codec, importTask } from './common.mjs';

const mod = await importTask(workerData.module);
const handle = mod[workerData.fn ?? 'handleJob'];
let msgpack;

/** Runs the jobs of one chunk; returns how many ran. */
export default async function runChunk(chunk) {
  const jobs = chunk instanceof Uint8Array ? (msgpack ??= await codec('msgpack')).decode(chunk) : chunk;
  for (const job of jobs) {
    const value = handle(job);
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') await value;
  }
  return jobs.length;
}

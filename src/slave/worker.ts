/** The piscina thread entry: loads the task module once per thread and runs chunks of jobs. */
import { threadId, workerData } from 'node:worker_threads';
import { loadModule, moduleLabel, pickFunction } from '../load.js';
import type { WireError } from '../protocol/messages.js';
import type { JobContext } from '../task.js';
import { FINISHED, PROGRESS_FIELDS, THREAD, type ChunkFailure, type ChunkOutcome, type ChunkTask, type WorkerSetup } from './chunk.js';

type Handler = (job: unknown, context: JobContext) => unknown;

const setup = workerData as WorkerSetup;
const progress = new Int32Array(setup.progress);

// Started as the thread starts, so loading overlaps the pool's start; it never rejects.
const handler: Promise<Handler | string> = loadModule(setup.url)
  .then((mod) => pickFunction(mod, setup.fn, moduleLabel(setup.url)) as Handler)
  .catch((error: unknown) => (error instanceof Error ? error.message : stringify(error)));

/**
 * Runs a chunk's jobs one after another, storing the count finished into the chunk's progress slot
 * after each, so the pool knows which job a dead or stuck thread was on. `ms` is measured per job,
 * one `performance.now()` a job (the end of one job is the start of the next): about 35 ns.
 */
export default async function runChunk(task: ChunkTask): Promise<ChunkOutcome> {
  const handle = await handler;
  if (typeof handle === 'string') return { ms: new Float64Array(0), failures: [], loadError: handle };
  const { jobs, wantResults } = task;
  const base = task.slot * PROGRESS_FIELDS;
  if (jobs.length > 0) Atomics.store(progress, base + THREAD, threadId);
  const ms = new Float64Array(jobs.length);
  const failures: ChunkFailure[] = [];
  const results: unknown[] | undefined = wantResults ? new Array<unknown>(jobs.length) : undefined;
  let start = performance.now();
  for (let i = 0; i < jobs.length; i++) {
    const { seq, attempt, job } = jobs[i]!;
    try {
      let value = handle(job, { seq, attempt });
      // Only thenables are awaited: an await per synchronous job would cost a microtask turn each.
      if (isThenable(value)) value = await value;
      // A function or symbol would make the whole reply fail to clone, and the thread die.
      if (results !== undefined && (typeof value === 'function' || typeof value === 'symbol')) failures.push({ index: i, error: unsendable(value) });
      else if (results !== undefined) results[i] = value;
    } catch (error) {
      failures.push({ index: i, error: toWireError(error) });
    }
    const end = performance.now();
    ms[i] = end - start;
    start = end;
    Atomics.store(progress, base + FINISHED, i + 1);
  }
  return results === undefined ? { ms, failures } : { ms, failures, results };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function unsendable(value: unknown): WireError {
  return { message: `${setup.fn} returned a ${typeof value}, which cannot be sent back as a result`, name: 'TypeError' };
}

function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { message: stringify(error) };
  return { message: String(error.message), name: String(error.name), ...(typeof error.stack === 'string' && { stack: error.stack }) };
}

function stringify(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value); // e.g. an object without a prototype
  }
}

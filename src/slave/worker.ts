/** The piscina thread entry: loads the task module once per thread and runs chunks of jobs. */
import { threadId, workerData } from 'node:worker_threads';
import { loadModule, moduleLabel, pickFunction } from '../load.js';
import { unpack } from '../protocol/codec.js';
import type { WireError, WireFailure } from '../protocol/messages.js';
import { runsLength } from '../protocol/seq-runs.js';
import type { JobContext } from '../task.js';
import { CALLED_OFF, CANCEL, FINISHED, PROGRESS_FIELDS, STARTED, THREAD, type ChunkOutcome, type ChunkTask, type WorkerSetup } from './chunk.js';

type Handler = (job: unknown, context: JobContext) => unknown;

const setup = workerData as WorkerSetup;
const progress = new Int32Array(setup.progress);

// Started as the thread starts, so loading overlaps the pool's start; it never rejects.
const handler: Promise<Handler | string> = loadModule(setup.url)
  .then((mod) => pickFunction(mod, setup.fn, moduleLabel(setup.url)) as Handler)
  .catch((error: unknown) => (error instanceof Error ? error.message : stringify(error)));

/**
 * Decodes a chunk's jobs and runs them one after another, storing the count finished into the
 * chunk's progress slot after each, so the pool knows which job a dead or stuck thread was on.
 */
export default async function runChunk(task: ChunkTask): Promise<ChunkOutcome> {
  await turn();
  try {
    // Called off while it waited (the slave is leaving): hand the whole batch back.
    if (Atomics.compareExchange(progress, task.slot * PROGRESS_FIELDS + CANCEL, 0, STARTED) === CALLED_OFF) return { ms: 0, failures: [], cancelled: true };
    return await run(task);
  } finally {
    leave();
  }
}

let running = 0;
const waiting: Array<() => void> = [];

/** Waits until fewer than `concurrency` chunks run in this thread. */
async function turn(): Promise<void> {
  if (running < setup.concurrency) {
    running++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

/** Hands this chunk's turn to the next waiting one. */
function leave(): void {
  const next = waiting.shift();
  if (next === undefined) running--;
  else next();
}

async function run(task: ChunkTask): Promise<ChunkOutcome> {
  const handle = await handler;
  if (typeof handle === 'string') return { ms: 0, failures: [], loadError: handle };
  const count = runsLength(task.seqs);
  if (count === 0) return { ms: 0, failures: [] };
  let jobs: unknown;
  try {
    jobs = unpack(task.jobs);
  } catch (error) {
    // Failed, not thrown: a chunk that rejects before it starts comes back unstarted, and would be sent again and again.
    return { ms: 0, failures: [], loadError: `cannot decode the jobs of a batch of ${count}: ${error instanceof Error ? error.message : stringify(error)}` };
  }
  if (!Array.isArray(jobs) || jobs.length !== count) return { ms: 0, failures: [], loadError: `a batch of ${count} seqs did not hold ${count} jobs` };
  const { seqs, attempts, wantResults } = task;
  const base = task.slot * PROGRESS_FIELDS;
  Atomics.store(progress, base + THREAD, threadId);
  const failures: WireFailure[] = [];
  const results: unknown[] | undefined = wantResults ? new Array<unknown>(count) : undefined;
  const started = performance.now();
  let i = 0;
  for (let r = 0; r < seqs.length; r += 2) {
    const end = seqs[r]! + seqs[r + 1]!;
    for (let seq = seqs[r]!; seq < end; seq++, i++) {
      try {
        let value = handle(jobs[i], { seq, attempt: attempts?.[i] ?? 0 });
        // Only thenables are awaited: an await per synchronous job would cost a microtask turn each.
        if (isThenable(value)) value = await value;
        // A function or symbol would make the whole reply fail to clone, and the thread die.
        if (results !== undefined && (typeof value === 'function' || typeof value === 'symbol')) failures.push({ index: i, error: unsendable(value) });
        else if (results !== undefined) results[i] = value;
      } catch (error) {
        failures.push({ index: i, error: toWireError(error) });
      }
      Atomics.store(progress, base + FINISHED, i + 1);
    }
  }
  const ms = performance.now() - started;
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

/** The piscina thread entry: loads the task module once per thread and runs the jobs of the chunks it is handed. */
import { threadId, workerData } from 'node:worker_threads';
import { loadModule, moduleLabel, pickFunction } from '../load.js';
import { unpack } from '../protocol/codec.js';
import type { WireError } from '../protocol/messages.js';
import { runsLength, type SeqRuns } from '../protocol/seq-runs.js';
import type { JobContext } from '../task.js';
import type { ChunkOutcome, ChunkTask, WorkerSetup } from './thread-messages.js';
import { holdChunk, type HeldChunk } from './held-batch.js';
import { PartialReporter } from './partial-reporter.js';
import { CALLED_OFF, CANCEL, DONE, FINISHED, RUNNING, STARTED, THREAD } from './batch-progress.js';
import { stringify, toWireError, unsendable } from '../protocol/wire-error.js';

type Handler = (job: unknown, context: JobContext) => unknown;

const setup = workerData as WorkerSetup;
const lanes = setup.concurrency;

let handle: Handler | undefined;
let loadError: string | undefined;
// Started as the thread starts, so loading overlaps the pool's start; it never rejects.
const loaded: Promise<void> = loadModule(setup.url)
  .then((mod) => pickFunction(mod, setup.fn, moduleLabel(setup.url)) as Handler)
  .then(
    (fn) => void (handle = fn),
    (error: unknown) => void (loadError = error instanceof Error ? error.message : stringify(error)),
  );

/** Chunks with jobs not started yet, oldest first: a chunk's jobs all start before the next chunk's first. */
const waiting: HeldChunk[] = [];
/** Lanes taken by jobs awaiting a promise; a synchronous job runs to its end on the lane that starts it. */
let busy = 0;
const reporter = new PartialReporter(() => busy > 0);

/** Takes a chunk into this thread; resolves once every one of its jobs has finished (or it was called off). */
export default async function runChunk(task: ChunkTask): Promise<ChunkOutcome> {
  if (handle === undefined && loadError === undefined) await loaded;
  const count = runsLength(task.seqs);
  // The warm-up chunk (and any empty one) only waits for the module.
  if (count === 0) return loadError === undefined ? { ms: 0, failures: [] } : { ms: 0, failures: [], loadError };
  return new Promise<ChunkOutcome>((resolve) => {
    waiting.push(holdChunk(task, count, resolve));
    pump();
  });
}

/** Starts jobs while a lane is free and a chunk has jobs not yet started. */
function pump(): void {
  while (busy < lanes && waiting.length > 0) {
    const chunk = waiting[0]!;
    if ((chunk.next > 0 || claim(chunk)) && startJobs(chunk)) continue;
    waiting.shift();
    // Every job held has started: lanes go idle as they end, unless the pool sends another chunk,
    // which it does once it hears of finished jobs (it counts those unreported as held).
    if (waiting.length === 0 && busy > 0) reporter.reportFinished(true);
  }
}

/**
 * Claims a chunk as its first job is about to start, so that `cancelWaiting` can no longer call
 * it off, and decodes its jobs; false when it was called off or cannot run (then it has replied).
 */
function claim(chunk: HeldChunk): boolean {
  const { task, count, header } = chunk;
  const outcome = Atomics.compareExchange(header, CANCEL, 0, STARTED) === CALLED_OFF ? { ms: 0, failures: [], cancelled: true as const } : decode(chunk);
  if (outcome !== undefined) {
    chunk.resolve(outcome);
    return false;
  }
  chunk.results = task.wantResults ? new Array<unknown>(count) : undefined;
  chunk.seq = task.seqs[0]!;
  chunk.end = chunk.seq + task.seqs[1]!;
  if (task.partials) reporter.add(chunk);
  Atomics.store(header, THREAD, threadId);
  return true;
}

/** Decodes a claimed chunk's jobs; the reply instead when they cannot run. */
function decode(chunk: HeldChunk): ChunkOutcome | undefined {
  if (loadError !== undefined) return { ms: 0, failures: [], loadError };
  const { count } = chunk;
  let jobs: unknown;
  try {
    jobs = unpack(chunk.task.jobs);
  } catch (error) {
    // Failed, not thrown: a chunk that rejects before it starts comes back unstarted, and would be sent again and again.
    return { ms: 0, failures: [], loadError: `cannot decode the jobs of a batch of ${count}: ${error instanceof Error ? error.message : stringify(error)}` };
  }
  if (!Array.isArray(jobs) || jobs.length !== count) return { ms: 0, failures: [], loadError: `a batch of ${count} seqs did not hold ${count} jobs` };
  chunk.jobs = jobs;
  return undefined;
}

/**
 * Starts the chunk's next jobs while lanes are free. A synchronous job runs to its end here, so a
 * chunk of them is one tight loop, with no await and no promise; a job that returns a thenable
 * takes a lane until it settles. True while the chunk still has jobs to start.
 */
function startJobs(chunk: HeldChunk): boolean {
  const { jobs, states, count } = chunk;
  const { attempts, origins } = chunk.task;
  const handler = handle!;
  // Timed per stretch of synchronous jobs, not per job: two clock reads per job would cost more than a no-op job.
  let since = performance.now();
  while (chunk.next < count && busy < lanes) {
    const index = chunk.next++;
    const seq = chunk.seq;
    if (++chunk.seq === chunk.end) nextRun(chunk, chunk.task.seqs);
    states[index] = RUNNING;
    let value: unknown;
    let thenable: boolean;
    try {
      value = handler(jobs[index], { seq: origins?.[index] ?? seq, attempt: attempts?.[index] ?? 0 });
      thenable = isThenable(value);
    } catch (error) {
      chunk.failures.push({ index, error: toWireError(error) });
      if (finish(chunk, index)) break;
      continue;
    }
    if (thenable) {
      // The stretch so far holds this job's synchronous part; its wait is timed from here.
      const now = performance.now();
      chunk.ms += now - since;
      since = now;
      busy++;
      reporter.jobAwaits();
      // Promise.resolve: a thenable whose `then` throws fails its job, as an await would.
      Promise.resolve(value).then(
        (result) => settle(chunk, index, now, result, undefined),
        (error: unknown) => settle(chunk, index, now, undefined, toWireError(error)),
      );
    } else {
      keep(chunk, index, value);
      if (finish(chunk, index)) break;
    }
  }
  chunk.ms += performance.now() - since;
  if (chunk.finished === count) reply(chunk);
  return chunk.next < count;
}

/** An async job settled: its lane is free for the next job. */
function settle(chunk: HeldChunk, index: number, startedAt: number, value: unknown, error: WireError | undefined): void {
  busy--;
  chunk.ms += performance.now() - startedAt;
  if (error === undefined) keep(chunk, index, value);
  else chunk.failures.push({ index, error });
  if (finish(chunk, index)) reply(chunk);
  pump();
}

/** Records a job's return value, when results are wanted. */
function keep(chunk: HeldChunk, index: number, value: unknown): void {
  if (chunk.results === undefined) return;
  // A function or symbol would make the whole reply fail to clone, and the thread die.
  if (typeof value === 'function' || typeof value === 'symbol') chunk.failures.push({ index, error: unsendable(setup.fn, value) });
  else chunk.results[index] = value;
}

/** Marks a job finished; true when it was the chunk's last. */
function finish(chunk: HeldChunk, index: number): boolean {
  chunk.states[index] = DONE;
  Atomics.store(chunk.header, FINISHED, ++chunk.finished);
  return chunk.finished === chunk.count;
}

/** Replies for a chunk whose jobs have all finished, with the outcome of those not reported yet. */
function reply(chunk: HeldChunk): void {
  const { ms, failures, results, partials } = chunk;
  // Jobs that overlap finish out of order.
  if (failures.length > 1) failures.sort((a, b) => a.index - b.index);
  chunk.jobs = [];
  const outcome: ChunkOutcome = results === undefined ? { ms, failures } : { ms, failures, results };
  if (!chunk.task.partials) return chunk.resolve(outcome);
  reporter.delete(chunk);
  chunk.resolve(partials === 0 ? outcome : { ...outcome, ms: ms - chunk.msReported, partials });
}

function nextRun(chunk: HeldChunk, seqs: SeqRuns): void {
  chunk.run += 2;
  if (chunk.run >= seqs.length) return;
  chunk.seq = seqs[chunk.run]!;
  chunk.end = chunk.seq + seqs[chunk.run + 1]!;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

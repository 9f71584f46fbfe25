/** The piscina thread entry: loads the task module once per thread and runs the jobs of the batches it is handed. */
import { threadId, workerData } from 'node:worker_threads';
import { loadModule, moduleLabel, pickFunction } from '../task/load.js';
import { unpack } from '../protocol/codec.js';
import type { WireError } from '../protocol/messages.js';
import { runsLength, type SeqRuns } from '../protocol/seq-runs.js';
import type { JobContext } from '../task/task.js';
import type { BatchOutcome, BatchTask, WorkerSetup } from './thread-messages.js';
import { holdBatch, type HeldBatch } from './held-batch.js';
import { PartialReporter } from './partial-reporter.js';
import { CALLED_OFF, CANCEL, DONE, FINISHED, RUNNING, STARTED, THREAD } from './batch-progress.js';
import { whyCannotTravel } from '../protocol/travel.js';
import { channelPairs, isAsyncIterable } from '../task/channels.js';
import { channelSlot, drainChannels } from './channel-slot.js';
import { jsonText } from '../protocol/json-text.js';
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

/** Batches with jobs not started yet, oldest first: a batch's jobs all start before the next batch's first. */
const waiting: HeldBatch[] = [];
/** Lanes taken by jobs awaiting a promise; a synchronous job runs to its end on the lane that starts it. */
let busy = 0;
const reporter = new PartialReporter(() => busy > 0);

/** Takes a batch into this thread; resolves once every one of its jobs has finished (or it was called off). */
export default async function runBatch(task: BatchTask): Promise<BatchOutcome> {
  if (handle === undefined && loadError === undefined) await loaded;
  const count = runsLength(task.seqs);
  // The warm-up batch (and any empty one) only waits for the module.
  if (count === 0) return loadError === undefined ? { ms: 0, failures: [] } : { ms: 0, failures: [], loadError };
  const outcome = await new Promise<BatchOutcome>((resolve) => {
    waiting.push(holdBatch(task, count, resolve));
    pump();
  });
  // What the jobs wrote to stdout or stderr waits here until the main thread takes it (one chunk
  // at a time, as this thread's event loop turns): the pool ends a thread once its batches reply,
  // and a thread ended drops what it holds. Piscina waits so only with atomics, which we disable.
  await stdioFlushed();
  return outcome;
}

/** Resolves once this thread's stdout and stderr have passed on to the main thread all they were given. */
function stdioFlushed(): Promise<unknown> {
  const pending = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  return Promise.all(pending.map((stream) => new Promise((resolve) => stream.write('', resolve))));
}

/** Starts jobs while a lane is free and a batch has jobs not yet started. */
function pump(): void {
  while (busy < lanes && waiting.length > 0) {
    const batch = waiting[0]!;
    if ((batch.next > 0 || claim(batch)) && startJobs(batch)) continue;
    waiting.shift();
    // Every job held has started: lanes go idle as they end, unless the pool sends another batch,
    // which it does once it hears of finished jobs (it counts those unreported as held).
    if (waiting.length === 0 && busy > 0) reporter.reportFinished(true);
  }
}

/**
 * Claims a batch as its first job is about to start, so that `cancelWaiting` can no longer call
 * it off, and decodes its jobs; false when it was called off or cannot run (then it has replied).
 */
function claim(batch: HeldBatch): boolean {
  const { task, count, header } = batch;
  const outcome = Atomics.compareExchange(header, CANCEL, 0, STARTED) === CALLED_OFF ? { ms: 0, failures: [], cancelled: true as const } : decode(batch);
  if (outcome !== undefined) {
    batch.resolve(outcome);
    return false;
  }
  batch.results = task.wantResults ? new Array<unknown>(count) : undefined;
  batch.timings = task.timings === true ? new Float64Array(2 * count) : undefined;
  batch.seq = task.seqs[0]!;
  batch.end = batch.seq + task.seqs[1]!;
  if (task.partials) reporter.add(batch);
  Atomics.store(header, THREAD, threadId);
  return true;
}

/** Decodes a claimed batch's jobs; the reply instead when they cannot run. */
function decode(batch: HeldBatch): BatchOutcome | undefined {
  if (loadError !== undefined) return { ms: 0, failures: [], loadError };
  const { count } = batch;
  let jobs: unknown;
  try {
    jobs = unpack(batch.task.jobs);
  } catch (error) {
    // Failed, not thrown: a batch that rejects before it starts comes back unstarted, and would be sent again and again.
    return { ms: 0, failures: [], loadError: `cannot decode the jobs of a batch of ${count}: ${error instanceof Error ? error.message : stringify(error)}` };
  }
  if (!Array.isArray(jobs) || jobs.length !== count) return { ms: 0, failures: [], loadError: `a batch of ${count} seqs did not hold ${count} jobs` };
  batch.jobs = jobs;
  return undefined;
}

/**
 * Starts the batch's next jobs while lanes are free. A synchronous job runs to its end here, so a
 * batch of them is one tight loop, with no await and no promise; a job that returns a thenable
 * takes a lane until it settles. True while the batch still has jobs to start.
 */
function startJobs(batch: HeldBatch): boolean {
  const { jobs, states, count, timings } = batch;
  const { attempts, origins } = batch.task;
  const handler = handle!;
  // Timed per stretch of synchronous jobs, not per job: two clock reads per job would cost more than a no-op job.
  let since = performance.now();
  while (batch.next < count && busy < lanes) {
    const index = batch.next++;
    const seq = batch.seq;
    if (++batch.seq === batch.end) nextRun(batch, batch.task.seqs);
    states[index] = RUNNING;
    let value: unknown;
    let thenable: boolean;
    // A timed batch (for the master's job log) reads the clock around each job; an untimed one never does.
    const startedAt = timings === undefined ? 0 : performance.now();
    try {
      value = handler(jobs[index], { seq: origins?.[index] ?? seq, attempt: attempts?.[index] ?? 0 });
      // An async iterable (an async generator of channel pairs) is drained on a lane, as a promise is awaited.
      thenable = isThenable(value) || isAsyncIterable(value);
    } catch (error) {
      if (timings !== undefined) time(timings, index, startedAt);
      batch.failures.push({ index, error: toWireError(error) });
      if (finish(batch, index)) break;
      continue;
    }
    if (thenable) {
      // The stretch so far holds this job's synchronous part; its wait is timed from here.
      const now = performance.now();
      batch.ms += now - since;
      since = now;
      busy++;
      reporter.jobAwaits();
      // Promise.resolve: a thenable whose `then` throws fails its job, as an await would.
      Promise.resolve(value).then(drainChannels).then(
        (result) => settle(batch, index, now, result, undefined, startedAt),
        (error: unknown) => settle(batch, index, now, undefined, toWireError(error), startedAt),
      );
    } else {
      if (timings !== undefined) time(timings, index, startedAt);
      keep(batch, index, value);
      if (finish(batch, index)) break;
    }
  }
  batch.ms += performance.now() - since;
  if (batch.finished === count) reply(batch);
  return batch.next < count;
}

/** An async job settled: its lane is free for the next job. */
function settle(batch: HeldBatch, index: number, startedAt: number, value: unknown, error: WireError | undefined, jobStartedAt: number): void {
  busy--;
  batch.ms += performance.now() - startedAt;
  if (batch.timings !== undefined) time(batch.timings, index, jobStartedAt);
  if (error === undefined) keep(batch, index, value);
  else batch.failures.push({ index, error });
  if (finish(batch, index)) reply(batch);
  pump();
}

/** Records when job `index` started (`startedAt`, by performance.now) and how long it ran, until now. */
function time(timings: Float64Array, index: number, startedAt: number): void {
  timings[2 * index] = performance.timeOrigin + startedAt;
  timings[2 * index + 1] = performance.now() - startedAt;
}

/** Records a job's return value, when results are wanted, and its channel output always (the results then made for it). */
function keep(batch: HeldBatch, index: number, value: unknown): void {
  let slot: object | undefined;
  try {
    slot = channelSlot(value);
  } catch (error) {
    return void batch.failures.push({ index, error: toWireError(error) });
  }
  if (slot !== undefined) return void ((batch.results ??= new Array<unknown>(batch.count))[index] = slot);
  if (batch.results === undefined || channelPairs(value) !== undefined) return;
  // A function or symbol would make the whole reply fail to clone, and the thread die; a class
  // instance would arrive as a plain object. The job fails instead, saying why.
  const problem = whyCannotTravel(value);
  // As JSON text, when that is all the master writes: made here, in the pool's threads, rather than on the master's one.
  if (problem === undefined) batch.results[index] = batch.task.wantResults === 'json' && value !== undefined ? jsonText(value) : value;
  else batch.failures.push({ index, error: unsendable(setup.fn, problem) });
}

/** Marks a job finished; true when it was the batch's last. */
function finish(batch: HeldBatch, index: number): boolean {
  batch.states[index] = DONE;
  Atomics.store(batch.header, FINISHED, ++batch.finished);
  return batch.finished === batch.count;
}

/** Replies for a batch whose jobs have all finished, with the outcome of those not reported yet. */
function reply(batch: HeldBatch): void {
  const { ms, failures, results, partials, timings } = batch;
  // Jobs that overlap finish out of order.
  if (failures.length > 1) failures.sort((a, b) => a.index - b.index);
  batch.jobs = [];
  const outcome: BatchOutcome = { ms, failures, ...(results && { results }), ...(timings && { timings }) };
  if (!batch.task.partials) return batch.resolve(outcome);
  reporter.delete(batch);
  batch.resolve(partials === 0 ? outcome : { ...outcome, ms: ms - batch.msReported, partials });
}

function nextRun(batch: HeldBatch, seqs: SeqRuns): void {
  batch.run += 2;
  if (batch.run >= seqs.length) return;
  batch.seq = seqs[batch.run]!;
  batch.end = batch.seq + seqs[batch.run + 1]!;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

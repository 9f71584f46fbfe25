/** The piscina thread entry: loads the task module once per thread and runs the jobs of the chunks it is handed. */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { loadModule, moduleLabel, pickFunction } from '../load.js';
import { unpack } from '../protocol/codec.js';
import type { WireError, WireFailure } from '../protocol/messages.js';
import { runsLength, type SeqRuns } from '../protocol/seq-runs.js';
import type { JobContext } from '../task.js';
import type { ChunkOutcome, ChunkTask, PartialReport, WorkerSetup } from './chunk.js';
import { CALLED_OFF, CANCEL, DONE, FINISHED, HEADER_FIELDS, REPORTED, RUNNING, STARTED, STATES_AT, THREAD } from './progress.js';

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

/** A chunk this thread holds: its jobs start in order, on whichever lanes are free. */
interface Chunk {
  readonly task: ChunkTask;
  readonly count: number;
  readonly header: Int32Array;
  /**
   * One state byte per job (progress.ts). Plain writes, not Atomics: the pool reads them only
   * once this thread is dead (its exit or error reaches the main thread after every write),
   * and the watchdog reads the FINISHED count, which is stored with Atomics.
   */
  readonly states: Uint8Array;
  readonly resolve: (outcome: ChunkOutcome) => void;
  /** Decoded when its first job is about to start (the chunk is claimed then). */
  jobs: unknown[];
  results: unknown[] | undefined;
  /** Failures not yet reported. */
  failures: WireFailure[];
  /** Index of the next job to start, its seq, and where that seq's run ends (`run` indexes `task.seqs`). */
  next: number;
  seq: number;
  end: number;
  run: number;
  finished: number;
  /** Handler milliseconds, summed over its jobs. */
  ms: number;
  /** Jobs, partial reports and handler milliseconds reported so far (see `flush`). */
  reported: number;
  partials: number;
  msReported: number;
  /** Seen by `flush` with finished jobs unreported: reported at its next look. */
  lagging: boolean;
  /** No job before this index is finished and unreported. */
  scan: number;
}

/** Chunks with jobs not started yet, oldest first: a chunk's jobs all start before the next chunk's first. */
const waiting: Chunk[] = [];
/** Lanes taken by jobs awaiting a promise; a synchronous job runs to its end on the lane that starts it. */
let busy = 0;
/** Claimed chunks that want partial reports and have not replied. */
const reporting = new Set<Chunk>();
/**
 * Milliseconds between looks for finished jobs to report early. A chunk is reported at the second
 * look that finds it with finished jobs unreported, so one that ends within a look or two (most,
 * when no job straggles) costs no extra message.
 */
const FLUSH_MS = 20;
/** Runs `flush` while async jobs run; synchronous jobs never start it. */
let flusher: ReturnType<typeof setInterval> | undefined;

/** Takes a chunk into this thread; resolves once every one of its jobs has finished (or it was called off). */
export default async function runChunk(task: ChunkTask): Promise<ChunkOutcome> {
  if (handle === undefined && loadError === undefined) await loaded;
  const count = runsLength(task.seqs);
  // The warm-up chunk (and any empty one) only waits for the module.
  if (count === 0) return loadError === undefined ? { ms: 0, failures: [] } : { ms: 0, failures: [], loadError };
  return new Promise<ChunkOutcome>((resolve) => {
    const header = new Int32Array(task.progress, 0, HEADER_FIELDS);
    const states = new Uint8Array(task.progress, STATES_AT, count);
    waiting.push({
      task,
      count,
      header,
      states,
      resolve,
      jobs: [],
      results: undefined,
      failures: [],
      next: 0,
      seq: 0,
      end: 0,
      run: 0,
      finished: 0,
      ms: 0,
      reported: 0,
      partials: 0,
      msReported: 0,
      lagging: false,
      scan: 0,
    });
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
    if (waiting.length === 0 && busy > 0) reportFinished(true);
  }
}

/**
 * Claims a chunk as its first job is about to start, so that `cancelWaiting` can no longer call
 * it off, and decodes its jobs; false when it was called off or cannot run (then it has replied).
 */
function claim(chunk: Chunk): boolean {
  const { task, count, header } = chunk;
  const outcome = Atomics.compareExchange(header, CANCEL, 0, STARTED) === CALLED_OFF ? { ms: 0, failures: [], cancelled: true as const } : decode(chunk);
  if (outcome !== undefined) {
    chunk.resolve(outcome);
    return false;
  }
  chunk.results = task.wantResults ? new Array<unknown>(count) : undefined;
  chunk.seq = task.seqs[0]!;
  chunk.end = chunk.seq + task.seqs[1]!;
  if (task.partials) reporting.add(chunk);
  Atomics.store(header, THREAD, threadId);
  return true;
}

/** Decodes a claimed chunk's jobs; the reply instead when they cannot run. */
function decode(chunk: Chunk): ChunkOutcome | undefined {
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
function startJobs(chunk: Chunk): boolean {
  const { jobs, states, count } = chunk;
  const attempts = chunk.task.attempts;
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
      value = handler(jobs[index], { seq, attempt: attempts?.[index] ?? 0 });
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
      if (flusher === undefined && reporting.size > 0) startFlusher();
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
function settle(chunk: Chunk, index: number, startedAt: number, value: unknown, error: WireError | undefined): void {
  busy--;
  chunk.ms += performance.now() - startedAt;
  if (error === undefined) keep(chunk, index, value);
  else chunk.failures.push({ index, error });
  if (finish(chunk, index)) reply(chunk);
  pump();
}

/** Records a job's return value, when results are wanted. */
function keep(chunk: Chunk, index: number, value: unknown): void {
  if (chunk.results === undefined) return;
  // A function or symbol would make the whole reply fail to clone, and the thread die.
  if (typeof value === 'function' || typeof value === 'symbol') chunk.failures.push({ index, error: unsendable(value) });
  else chunk.results[index] = value;
}

/** Marks a job finished; true when it was the chunk's last. */
function finish(chunk: Chunk, index: number): boolean {
  chunk.states[index] = DONE;
  Atomics.store(chunk.header, FINISHED, ++chunk.finished);
  return chunk.finished === chunk.count;
}

/** Replies for a chunk whose jobs have all finished, with the outcome of those not reported yet. */
function reply(chunk: Chunk): void {
  const { ms, failures, results, partials } = chunk;
  // Jobs that overlap finish out of order.
  if (failures.length > 1) failures.sort((a, b) => a.index - b.index);
  chunk.jobs = [];
  const outcome: ChunkOutcome = results === undefined ? { ms, failures } : { ms, failures, results };
  if (!chunk.task.partials) return chunk.resolve(outcome);
  reporting.delete(chunk);
  chunk.resolve(partials === 0 ? outcome : { ...outcome, ms: ms - chunk.msReported, partials });
}

function startFlusher(): void {
  flusher = setInterval(flush, FLUSH_MS);
  flusher.unref();
}

/** Reports the finished jobs of chunks still waiting on others; stops once no async job runs. */
function flush(): void {
  // With no job awaiting, every claimed chunk has replied.
  if (busy === 0 || reporting.size === 0) {
    clearInterval(flusher);
    flusher = undefined;
    return;
  }
  reportFinished(false);
}

/** Reports the finished jobs of every chunk still running others (`all`), or of those seen so at the last look. */
function reportFinished(all: boolean): void {
  for (const chunk of reporting) {
    if (chunk.finished === chunk.reported) continue;
    if (all || chunk.lagging) report(chunk);
    else chunk.lagging = true;
  }
}

/** Posts a partial report of the chunk's finished, unreported jobs. */
function report(chunk: Chunk): void {
  const { states, results } = chunk;
  const indexes: number[] = [];
  let scan = chunk.next;
  for (let i = chunk.scan; i < chunk.next; i++) {
    const state = states[i];
    if (state === DONE) indexes.push(i);
    else if (state === RUNNING && scan === chunk.next) scan = i;
  }
  const failures: WireFailure[] = [];
  const kept: WireFailure[] = [];
  for (const failure of chunk.failures) (states[failure.index] === DONE ? failures : kept).push(failure);
  failures.sort((a, b) => a.index - b.index);
  let at = 0;
  for (let f = 0; f < failures.length; f++) {
    const { index, error } = failures[f]!;
    while (indexes[at] !== index) at++;
    failures[f] = { index: at, error };
  }
  const ms = chunk.ms - chunk.msReported;
  const partial = chunk.partials + 1;
  const message: PartialReport = { chunk: chunk.task.id, partial, indexes, failures, ...(results && { results: indexes.map((i) => results[i]) }), ms };
  try {
    parentPort!.postMessage(message);
  } catch {
    // A result that cannot be cloned: the chunk's reply will fail alike, and its thread with it, as without partial reports.
    reporting.delete(chunk);
    return;
  }
  for (const i of indexes) {
    states[i] = REPORTED;
    if (results !== undefined) results[i] = undefined;
  }
  chunk.failures = kept;
  chunk.reported += indexes.length;
  chunk.partials = partial;
  chunk.msReported += ms;
  chunk.scan = scan;
}

function nextRun(chunk: Chunk, seqs: SeqRuns): void {
  chunk.run += 2;
  if (chunk.run >= seqs.length) return;
  chunk.seq = seqs[chunk.run]!;
  chunk.end = chunk.seq + seqs[chunk.run + 1]!;
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

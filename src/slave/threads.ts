/** The pool's piscina threads: started with the worker entry, each loading the task module before the pool takes a batch. */
import { createRequire } from 'node:module';
import { Piscina } from 'piscina';
import { UsageError } from '../common/errors.js';
import { moduleLabel } from '../task/load.js';
import type { BatchOutcome, BatchTask, WorkerSetup } from './thread-messages.js';

// Tests and `tsx` run these sources as .ts: the thread then needs tsx's require hook for worker.ts.
const fromSource = import.meta.url.endsWith('.ts');
const WORKER = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url).href;
const EXEC_ARGV = fromSource ? ['--require', createRequire(import.meta.url).resolve('tsx/cjs')] : undefined;

export type Threads = Piscina<BatchTask, BatchOutcome>;

/**
 * Starts `threads` threads that each take up to `tasksPerThread` batches, and waits until every
 * one has loaded the module: a module that fails to load fails here, as a UsageError.
 */
export async function startThreads(setup: WorkerSetup, threads: number, tasksPerThread: number): Promise<Threads> {
  const piscina: Threads = new Piscina<BatchTask, BatchOutcome>({
    filename: WORKER,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: tasksPerThread,
    idleTimeout: Infinity,
    // Threads stay event-driven between batches, so a handler's sockets and timers keep working.
    atomics: 'disabled',
    workerData: setup,
    ...(EXEC_ARGV && { execArgv: EXEC_ARGV }),
  });
  // A thread that dies between batches: piscina replaces it and no job is affected.
  piscina.on('error', () => {});
  const empty: BatchTask = { id: 0, partials: false, seqs: [], jobs: new Uint8Array(0), wantResults: false, progress: new SharedArrayBuffer(0) };
  // One empty batch per thread: piscina gives each to an idle thread, so every thread loads the module.
  const warmups = await Promise.allSettled(Array.from({ length: threads }, () => piscina.run(empty)));
  const failure = warmups.map(loadFailure).find((message) => message !== undefined);
  if (failure === undefined) return piscina;
  await piscina.destroy();
  throw new UsageError(failure === '' ? `task module \`${moduleLabel(setup.url)}\` stopped its thread while loading` : failure);
}

/** The load error a warm-up batch reports, '' for a thread that died while loading, else undefined. */
function loadFailure(warmup: PromiseSettledResult<BatchOutcome>): string | undefined {
  if (warmup.status === 'rejected') return '';
  return warmup.value.loadError;
}

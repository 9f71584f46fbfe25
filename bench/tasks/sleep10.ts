/**
 * Bench task for the tail figure: jobs that await a 10 ms timer. When `TM_BENCH_TRACE` names a
 * directory, each thread appends `start end` (ms since the epoch, fractional) of every job to
 * its own file there, so the bench can see when each slave ran its last job.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';

const JOB_MS = 10;
const traceDir = process.env.TM_BENCH_TRACE;
const traceFile = traceDir === undefined || traceDir === '' ? undefined : path.join(traceDir, `${process.pid}-${threadId}.trace`);

/** Yields 0 … n-1, resuming at `last`. */
export async function* getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<number> {
  const n = Number(args.n ?? 20_000);
  for (let i = last; i < n; i++) yield i;
}

/** Waits 10 ms, and traces when it ran. */
export async function handleJob(_job: number): Promise<void> {
  const start = now();
  await sleep(JOB_MS);
  if (traceFile !== undefined) appendFileSync(traceFile, `${start} ${now()}\n`);
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

// Baseline for async handlers: the task's jobs run in this one process, `concurrency` at a time,
// with no engine, no pool and no socket.
//   node inline.mjs module=bench/tasks/io.ts n=50000 concurrency=128
import { loadTask, parseArgs, ready, summary } from './common.mjs';

const args = parseArgs();
const concurrency = Number(args.concurrency);
const { getJobs, handleJob } = await loadTask(args.module);
ready('baseline-inline');
const startedAt = performance.now();
const jobs = getJobs(0, { n: args.n })[Symbol.asyncIterator]();
let done = 0;

/** Pulls and runs jobs one after another until the generator ends. */
async function lane() {
  for (let next = await jobs.next(); !next.done; next = await jobs.next()) {
    const value = handleJob(next.value);
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') await value;
    done++;
  }
}

await Promise.all(Array.from({ length: concurrency }, lane));
summary('baseline-inline', done, startedAt);

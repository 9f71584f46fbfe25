// Baseline for CPU-bound handlers: the task's jobs in chunks on a bare piscina pool in this one
// process, two chunks per thread queued so no thread waits; no engine, no socket.
//   node pool.mjs module=bench/tasks/cpu.ts n=20000 threads=2 [chunk=100]
import { loadTask, parseArgs, ready, startPool, summary } from './common.mjs';

const args = parseArgs();
const threads = Number(args.threads);
const chunkSize = Number(args.chunk ?? 100);
const { getJobs } = await loadTask(args.module);
const pool = await startPool(args.module, threads);
ready('baseline-pool');
const startedAt = performance.now();
const running = new Set();
let done = 0;

/** Hands one chunk to the pool. */
function submit(chunk) {
  const task = pool.run(chunk).then((count) => {
    done += count;
    running.delete(task);
  });
  running.add(task);
}

let chunk = [];
for await (const job of getJobs(0, { n: args.n })) {
  chunk.push(job);
  if (chunk.length < chunkSize) continue;
  submit(chunk);
  chunk = [];
  while (running.size >= 2 * threads) await Promise.race(running);
}
if (chunk.length > 0) submit(chunk);
await Promise.all(running);
summary('baseline-pool', done, startedAt);
await pool.destroy();

// What the baseline scripts share: arguments, the task module, the pool, and the two lines the
// bench reads (readiness on stderr, the summary on stdout), worded as the engine's bins word them.
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { tsImport } from 'tsx/esm/api';

/** `key=value` arguments of a baseline script. */
export function parseArgs(argv = process.argv.slice(2)) {
  return Object.fromEntries(argv.map((word) => word.split(/=(.*)/s).slice(0, 2)));
}

/** The bench task module at `file` (a path), loaded through tsx. */
export async function loadTask(file) {
  return tsImport(pathToFileURL(file).href, import.meta.url);
}

/**
 * A piscina pool of `threads` threads running the task module's handleJob, warmed up. Threads stay
 * event-driven between tasks (`atomics: 'disabled'`), as the engine's must for async handlers.
 */
export async function startPool(file, threads) {
  const pool = new Piscina({
    filename: new URL('./worker.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    atomics: 'disabled',
    workerData: { module: pathToFileURL(file).href, fn: 'handleJob' },
  });
  await Promise.all(Array.from({ length: threads }, () => pool.run([])));
  return pool;
}

/** Tells the bench this process is ready, as a slave's "welcomed" line does. */
export function ready(name) {
  process.stderr.write(`${name}: welcomed by run baseline\n`);
}

/** Prints the summary line, in the shape of tm-master's. */
export function summary(name, jobs, startedAt) {
  const seconds = (performance.now() - startedAt) / 1000;
  process.stdout.write(`${name}: finished: ${jobs} jobs done, 0 dead-lettered in ${seconds.toFixed(3)} s (${Math.round(jobs / seconds)} jobs/s)\n`);
}

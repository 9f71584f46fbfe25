// What the baseline scripts share: arguments, the task module, the pool, the wire codec, and the
// two lines the bench reads (readiness on stderr, the summary on stdout), worded as the engine's
// bins word them. Each loads only what it uses, as the engine does: tsx for TypeScript alone,
// piscina and msgpackr when asked for.
import { pathToFileURL } from 'node:url';

/** `key=value` arguments of a baseline script. */
export function parseArgs(argv = process.argv.slice(2)) {
  return Object.fromEntries(argv.map((word) => word.split(/=(.*)/s).slice(0, 2)));
}

/** Imports a task module by URL: TypeScript through tsx, as the engine does, anything else with `import()`. */
export async function importTask(url) {
  if (!/\.[cm]?ts$/.test(new URL(url).pathname)) return import(url);
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(url, import.meta.url);
}

/** The bench task module at `file` (a path). */
export async function loadTask(file) {
  return importTask(pathToFileURL(file).href);
}

/**
 * A piscina pool of `threads` threads running the task module's handleJob, warmed up. Threads stay
 * event-driven between tasks (`atomics: 'disabled'`), as the engine's must for async handlers.
 */
export async function startPool(file, threads) {
  const { Piscina } = await import('piscina');
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

/** Encodes and decodes a batch: `json`, or `msgpack` as the engine packs its jobs (msgpackr, records). */
export async function codec(name = 'json') {
  if (name === 'json') return { encode: (value) => JSON.stringify(value), decode: (bytes) => JSON.parse(String(bytes)) };
  if (name !== 'msgpack') throw new Error(`unknown codec ${name}`);
  const { Packr } = await import('msgpackr');
  const packr = new Packr({ useRecords: true, mapsAsObjects: false, moreTypes: true });
  return { encode: (value) => packr.pack(value), decode: (bytes) => packr.unpack(bytes) };
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

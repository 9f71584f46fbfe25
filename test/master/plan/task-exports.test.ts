/** The master's side of the task-module contract: what it takes from a module, however the module exports it. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type * as Api from '../../../src/index.js';
import { loadMasterExports } from '../../../src/master/plan/task-exports.js';
import { processesIn } from '../../helpers/orphans.js';
import { FIXTURES, ROOT } from '../../helpers/processes.js';
import { useTestDir } from '../../helpers/test-dir.js';

const { run } = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof Api;

const dir = useTestDir();
afterEach(() => {
  delete process.env.TM_HANDLED;
  expect(processesIn(dir.path), 'a process of the run outlived it').toEqual([]);
});

/** Writes `text` as `name` in the test's dir and returns its URL. */
function moduleFile(name: string, text: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, text);
  return pathToFileURL(file).href;
}

const FUNCTIONS = `
async function* getJobs() { yield 1; }
async function* odds() { yield 1; yield 3; }
function countJobs() { return 7; }
function handleResult() {}
function handleJob(i) { return i; }`;

describe('loadMasterExports', () => {
  it.each([
    ['named exports', 'task.mjs', `${FUNCTIONS}\nexport { getJobs, odds, countJobs, handleResult, handleJob };`],
    ['a default object', 'task.mjs', `${FUNCTIONS}\nexport default { getJobs, odds, countJobs, handleResult, handleJob };`],
    ['CommonJS module.exports', 'task.cjs', `${FUNCTIONS}\nmodule.exports = { getJobs, odds, countJobs, handleResult, handleJob };`],
  ])('takes the generator (its own or `:fn`), countJobs and handleResult from %s', async (_kind, name, text) => {
    const url = moduleFile(name, text);
    for (const fn of ['getJobs', 'odds']) {
      const exports = await loadMasterExports(name, fn, url);
      const jobs: unknown[] = [];
      for await (const job of exports.getJobs(undefined, {}) as AsyncIterable<unknown>) jobs.push(job);
      expect(jobs).toEqual(fn === 'odds' ? [1, 3] : [1]);
      expect(exports.countJobs?.({})).toBe(7);
      expect(typeof exports.handleResult).toBe('function');
    }
  });

  it('leaves countJobs and handleResult undefined when the module has neither', async () => {
    const url = moduleFile('bare.mjs', 'export default { async *getJobs() {}, handleJob() {} };');
    expect(await loadMasterExports('bare.mjs', 'getJobs', url)).toMatchObject({ countJobs: undefined, handleResult: undefined });
  });
});

describe('a defineTask module', () => {
  it('runs with its hooks: handleResult once for every job, and countJobs for the total', async () => {
    const handled = join(dir.path, 'handled.txt');
    process.env.TM_HANDLED = handled;
    const n = 300;
    const handle = run({ module: join(FIXTURES, 'defined-task.ts'), args: { n: String(n) }, slaves: 1, threads: 1, state: join(dir.path, 'run.state.json'), cwd: dir.path });
    const totals = new Set<number | undefined>();
    handle.on('progress', (snapshot) => void totals.add(snapshot.total));
    const summary = await handle.done;
    expect(summary).toMatchObject({ outcome: 'finished', done: n, total: n, exitCode: 0 });
    expect([...totals].filter((total) => total !== n)).toEqual([]);
    const lines = readFileSync(handled, 'utf8').trimEnd().split('\n');
    expect(lines.toSorted((a, b) => parseInt(a) - parseInt(b))).toEqual(Array.from({ length: n }, (_, i) => `${i} ${i * i}`));
  }, 60_000);
});

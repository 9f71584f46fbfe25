import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { loadModule, moduleLabel, parseTarget, pickFunction, resolveModule } from '../../src/task/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = path.join(root, 'test/fixtures');
const scratch = mkdtempSync(path.join(tmpdir(), 'tm-load-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a file under the scratch folder and returns its path. */
function write(relative: string, text: string): string {
  const file = path.join(scratch, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/**
 * Loads a task module in a worker thread, as a slave does, and returns the stack of what its
 * `handleJob` throws. A thread of its own, and the built dist/task/load.js (`npm run build`): vitest
 * maps stack traces in its own threads, which would hide whether taskmaster's loading does.
 */
async function handlerStackInThread(url: string): Promise<string> {
  const load = pathToFileURL(path.join(root, 'dist', 'task', 'load.js')).href;
  const code = `const { parentPort, workerData } = require('node:worker_threads');
import(${JSON.stringify(load)}).then(async ({ loadModule, pickFunction }) => {
  const handle = pickFunction(await loadModule(workerData), 'handleJob', 'fixture');
  try { handle({ n: 1 }); } catch (error) { parentPort.postMessage(String(error.stack)); }
});`;
  const worker = new Worker(code, { eval: true, workerData: url });
  try {
    const [stack] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([error]) => Promise.reject(error as Error))])) as [string];
    return stack;
  } finally {
    await worker.terminate();
  }
}

describe('parseTarget', () => {
  it.each([
    ['examples/squares.ts', { module: 'examples/squares.ts', fn: undefined }],
    ['examples/squares.ts:square', { module: 'examples/squares.ts', fn: 'square' }],
    ['@scope/pkg:handle$2', { module: '@scope/pkg', fn: 'handle$2' }],
    ['C:\\tasks\\job.ts', { module: 'C:\\tasks\\job.ts', fn: undefined }],
    ['C:\\tasks\\job.ts:run', { module: 'C:\\tasks\\job.ts', fn: 'run' }],
    ['file:///tmp/a.ts', { module: 'file:///tmp/a.ts', fn: undefined }],
    ['a:b:c', { module: 'a:b', fn: 'c' }],
    ['mod:1fn', { module: 'mod:1fn', fn: undefined }],
    ['mod:', { module: 'mod:', fn: undefined }],
    ['mod:ƒn', { module: 'mod', fn: 'ƒn' }],
  ])('splits %s', (target, expected) => {
    expect(parseTarget(target)).toEqual(expected);
  });

  it('refuses a target without a module', () => {
    expect(() => parseTarget(':handleJob')).toThrow(UsageError);
  });
});

describe('resolveModule', () => {
  it('resolves a path relative to the cwd to a file URL', () => {
    expect(resolveModule('test/fixtures/tasks.ts', root)).toBe(pathToFileURL(path.join(fixtures, 'tasks.ts')).href);
    expect(resolveModule('./tasks.mjs', fixtures)).toBe(pathToFileURL(path.join(fixtures, 'tasks.mjs')).href);
    expect(resolveModule(path.join(fixtures, 'tasks.cjs'), '/')).toBe(pathToFileURL(path.join(fixtures, 'tasks.cjs')).href);
  });

  it('tries the known extensions when the path has none', () => {
    expect(resolveModule('./exits', fixtures)).toBe(pathToFileURL(path.join(fixtures, 'exits.ts')).href);
  });

  it('resolves a package from the cwd, ESM-only exports included', () => {
    write('node_modules/cjs-task/package.json', JSON.stringify({ name: 'cjs-task', main: 'main.js' }));
    const main = write('node_modules/cjs-task/main.js', 'exports.handleJob = () => 1;');
    write('node_modules/@acme/esm-task/package.json', JSON.stringify({ name: '@acme/esm-task', type: 'module', exports: { '.': { types: './x.d.ts', import: './index.js' }, './extra': { import: './extra.js' } } }));
    const index = write('node_modules/@acme/esm-task/index.js', 'export const handleJob = () => 1;');
    const extra = write('node_modules/@acme/esm-task/extra.js', 'export const handleJob = () => 2;');
    const cwd = path.join(scratch, 'project');
    mkdirSync(cwd, { recursive: true });
    expect(resolveModule('cjs-task', cwd)).toBe(pathToFileURL(main).href);
    expect(resolveModule('@acme/esm-task', cwd)).toBe(pathToFileURL(index).href);
    expect(resolveModule('@acme/esm-task/extra', cwd)).toBe(pathToFileURL(extra).href);
    expect(() => resolveModule('@acme/esm-task/missing', cwd)).toThrow(UsageError);
  });

  it('throws a UsageError naming the module and the cwd when it is missing', () => {
    expect(() => resolveModule('./nope.ts', fixtures)).toThrow(new UsageError(`cannot find task module \`./nope.ts\` (resolved from ${fixtures})`));
    expect(() => resolveModule('no-such-package-here', fixtures)).toThrow(/cannot find task module `no-such-package-here`/);
    expect(() => resolveModule('./test', root)).toThrow(UsageError); // a directory is not a module
  });
});

describe('loadModule', () => {
  it('loads TypeScript, ES and CommonJS modules', async () => {
    const ts = await loadModule(resolveModule('tasks.ts', fixtures));
    expect(typeof ts.handleJob).toBe('function');
    const mjs = await loadModule(resolveModule('tasks.mjs', fixtures));
    expect(typeof mjs.double).toBe('function');
    const cjs = await loadModule(resolveModule('tasks.cjs', fixtures));
    expect(pickFunction(cjs, 'handleJob', 'tasks.cjs')(...([2] as never[]))).toBe(6);
  });

  it('turns a syntax error into a one-line UsageError naming the module', async () => {
    const file = write('broken.ts', 'export function handleJob(job: number) {\n  return job +;\n}\n');
    const error = await loadModule(pathToFileURL(file).href).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`cannot load task module \`${file}\``);
    expect((error as Error).message).not.toContain('\n');
    const mjs = write('broken.mjs', 'export const x = ;\n');
    await expect(loadModule(pathToFileURL(mjs).href)).rejects.toThrow(/^cannot load task module `.*broken\.mjs`: \w*Error: [^\n]+$/); // vitest parses it with Rollup; Node says SyntaxError
  });

  it.each(['commonjs', 'module'])('keeps where a TypeScript syntax error is (a "type": "%s" package): file:line:col and the reason, on one line', async (type) => {
    write(`syntax-${type}/package.json`, JSON.stringify({ type }));
    const file = write(`syntax-${type}/bad.ts`, 'export async function* getJobs() { yield 1; }\nexport function handleJob(job: number) { return job ** * 2; }\n');
    const error = await loadModule(pathToFileURL(file).href).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    const { message } = error as Error;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^cannot load task module `.*bad\.ts`: TransformError: .*bad\.ts:2:\d+: ERROR: Unexpected "\*"$/);
  });

  it.each(['commonjs', 'module'])('maps a TypeScript handler’s stack trace (a "type": "%s" package) to its own file and line', async (type) => {
    write(`maps-${type}/package.json`, JSON.stringify({ type }));
    const file = write(
      `maps-${type}/fixture.ts`,
      ['interface Job { readonly n: number }', '', 'export function handleJob(job: Job): never {', '  const n: number = job.n;', '  throw new Error(`boom ${n}`);', '}', ''].join('\n'),
    );
    const stack = await handlerStackInThread(pathToFileURL(file).href);
    const frame = stack.split('\n')[1] ?? '';
    expect(frame, stack.slice(0, 300)).toMatch(/fixture\.ts:5:\d+\)?$/);
    expect(frame).not.toMatch(/data:/);
  });

  it('turns a throw at import into a UsageError with the first line of the error', async () => {
    const url = resolveModule('throws-on-load.mjs', fixtures);
    await expect(loadModule(url)).rejects.toThrow(new UsageError('cannot load task module `test/fixtures/throws-on-load.mjs`: RangeError: bad configuration'));
  });
});

describe('pickFunction', () => {
  it('returns a named function export', async () => {
    const mod = await loadModule(resolveModule('tasks.ts', fixtures));
    const handle = pickFunction(mod, 'handleJob', 'tasks.ts') as (job: unknown, context: unknown) => unknown;
    expect(handle({ n: 3 }, { seq: 7, attempt: 1 })).toEqual({ square: 9, seq: 7, attempt: 1 });
  });

  it('throws a UsageError listing the exports when the function is missing', async () => {
    const mod = await loadModule(resolveModule('tasks.ts', fixtures));
    expect(() => pickFunction(mod, 'handleJobs', 'test/fixtures/tasks.ts')).toThrow(
      new UsageError('`test/fixtures/tasks.ts` has no function export `handleJobs` (it exports: handleJob, noop, notAFunction, returnsFunction)'),
    );
    expect(() => pickFunction(mod, 'notAFunction', 'x')).toThrow(/has no function export `notAFunction`/);
    expect(() => pickFunction({}, 'handleJob', 'empty.mjs')).toThrow(new UsageError('`empty.mjs` has no function export `handleJob` (it exports nothing)'));
  });

  it.each(['commonjs', 'module'])('takes the functions of an `export default { getJobs, handleJob }` object (a "type": "%s" package)', async (type) => {
    write(`default-${type}/package.json`, JSON.stringify({ type }));
    const file = write(`default-${type}/task.ts`, 'function handleJob(job: number) { return job * 2; }\nasync function* getJobs() { yield 1; }\nexport default { getJobs, handleJob };\n');
    const mod = await loadModule(pathToFileURL(file).href);
    expect((pickFunction(mod, 'handleJob', 'task.ts') as (job: number) => number)(4)).toBe(8);
    expect(typeof pickFunction(mod, 'getJobs', 'task.ts')).toBe('function');
    expect(() => pickFunction(mod, 'countJobs', 'task.ts')).toThrow('(it exports: getJobs, handleJob)');
  });

  it('takes a function of a default object compiled to CommonJS (`__esModule`), bound to that object', () => {
    const task = { factor: 3, handleJob(this: { factor: number }, job: number) { return job * this.factor; } };
    const handle = pickFunction({ default: { __esModule: true, default: task } }, 'handleJob', 'x.cjs') as (job: number) => number;
    expect(handle(2)).toBe(6);
  });

  it('lists the keys of a CommonJS default export', () => {
    expect(() => pickFunction({ default: { a: 1, b: () => 2 } }, 'c', 'x.cjs')).toThrow('(it exports: a, b)');
  });
});

describe('moduleLabel', () => {
  it('shows a file inside the cwd relative to it, others absolute', () => {
    expect(moduleLabel(pathToFileURL(path.join(process.cwd(), 'a/b.ts')).href)).toBe('a/b.ts');
    expect(moduleLabel(pathToFileURL(path.join(scratch, 'x.ts')).href)).toBe(path.join(scratch, 'x.ts'));
  });
});

/** Task modules: `module[:fn]` targets, their resolution from the cwd, and loading (TypeScript too). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './errors.js';

/** A parsed `module[:fn]` target. */
export interface Target {
  readonly module: string;
  /** The function after the last colon, or undefined for the default (`getJobs` / `handleJob`). */
  readonly fn: string | undefined;
}

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;
const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);
const CONDITIONS = new Set(['node', 'import', 'default']);

/** Splits `module[:fn]`: `fn` is what follows the last colon, when that is a JS identifier. */
export function parseTarget(target: string): Target {
  const colon = target.lastIndexOf(':');
  const fn = colon === -1 ? undefined : target.slice(colon + 1);
  const split = fn !== undefined && IDENTIFIER.test(fn);
  const module = split ? target.slice(0, colon) : target;
  if (module === '') throw new UsageError(`Expected a task module as \`module[:fn]\`, got \`${target}\``);
  return { module, fn: split ? fn : undefined };
}

/** Resolves a module name as the user typed it (a path from `cwd` or a package) to a `file:` URL. */
export function resolveModule(module: string, cwd: string): string {
  const file = isPath(module) ? resolveFile(module, cwd) : resolvePackage(module, cwd);
  if (file === undefined) throw new UsageError(`cannot find task module \`${module}\` (resolved from ${cwd})`);
  return pathToFileURL(file).href;
}

/** Imports a task module: TypeScript through tsx, everything else through `import()`. */
export async function loadModule(url: string): Promise<Record<string, unknown>> {
  try {
    if (TYPESCRIPT.has(path.extname(new URL(url).pathname))) {
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(url, url)) as Record<string, unknown>;
    }
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot load task module \`${moduleLabel(url)}\`: ${describe(error)}`, { cause: error });
  }
}

/** Returns the function export `name` of a loaded module (or of its CommonJS `default` object). */
export function pickFunction(mod: Record<string, unknown>, name: string, moduleLabel: string): (...args: never[]) => unknown {
  const cjs = mod.default;
  const inner = (typeof cjs === 'object' || typeof cjs === 'function') && cjs !== null ? (cjs as Record<string, unknown>)[name] : undefined;
  const top = mod[name];
  // A CommonJS function is bound to `module.exports`, as a call `exports.fn()` would be.
  if (typeof inner === 'function' && (top === undefined || top === inner)) return (inner as (...args: never[]) => unknown).bind(cjs);
  if (typeof top === 'function') return top as (...args: never[]) => unknown;
  const names = exportNames(mod);
  const list = names.length === 0 ? 'it exports nothing' : `it exports: ${names.join(', ')}`;
  throw new UsageError(`\`${moduleLabel}\` has no function export \`${name}\` (${list})`);
}

/** How a module URL is shown to the user: a path relative to the cwd when it is inside it. */
export function moduleLabel(url: string): string {
  if (!url.startsWith('file:')) return url;
  const file = fileURLToPath(url);
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

function isPath(module: string): boolean {
  return module.startsWith('.') || module.startsWith('file:') || path.isAbsolute(module) || EXTENSIONS.some((ext) => module.endsWith(ext));
}

function resolveFile(module: string, cwd: string): string | undefined {
  const file = module.startsWith('file:') ? fileURLToPath(module) : path.resolve(cwd, module);
  return [file, ...EXTENSIONS.map((ext) => file + ext)].find(isFile);
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}

function resolvePackage(specifier: string, cwd: string): string | undefined {
  const require = createRequire(path.join(cwd, 'noop.js'));
  try {
    return require.resolve(specifier);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') return undefined;
  }
  // An ESM-only package (its `exports` only has an `import` condition): require.resolve refuses it.
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = ['.', ...parts.slice(nameLength)].join('/');
  for (const dir of require.resolve.paths(name) ?? []) {
    const manifest = path.join(dir, name, 'package.json');
    if (!isFile(manifest)) continue;
    const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown };
    const target = conditionalTarget(subpathEntry(exports, subpath));
    const file = target === undefined ? undefined : path.join(dir, name, target);
    return file !== undefined && isFile(file) ? file : undefined;
  }
  return undefined;
}

function subpathEntry(exports: unknown, subpath: string): unknown {
  const isMap = typeof exports === 'object' && exports !== null && Object.keys(exports).some((key) => key.startsWith('.'));
  if (isMap) return (exports as Record<string, unknown>)[subpath];
  return subpath === '.' ? exports : undefined;
}

function conditionalTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) return entry.map(conditionalTarget).find((target) => target !== undefined);
  if (typeof entry !== 'object' || entry === null) return undefined;
  for (const [condition, value] of Object.entries(entry)) {
    const target = CONDITIONS.has(condition) ? conditionalTarget(value) : undefined;
    if (target !== undefined) return target;
  }
  return undefined;
}

function exportNames(mod: Record<string, unknown>): string[] {
  const names = Object.keys(mod).filter((key) => key !== 'default' && key !== '__esModule');
  const cjs = mod.default;
  if (typeof cjs === 'object' && cjs !== null) names.push(...Object.keys(cjs).filter((key) => !names.includes(key)));
  else if (cjs !== undefined) names.push('default');
  return names;
}

/** One line: `Name: first line of the message`. */
function describe(error: unknown): string {
  // Duck-typed: errors from another realm (or a bundler's error objects) are not `instanceof Error`.
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
  const text = typeof message === 'string' ? `${typeof name === 'string' ? name : 'Error'}: ${message}` : String(error);
  return text.split('\n', 1)[0] ?? text;
}

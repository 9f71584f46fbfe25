/** Task modules: `module[:fn]` targets, their resolution from the cwd, and loading (TypeScript too). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../common/errors.js';
import { resolveOwnPackage } from './own-package.js';

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
  const file = isPath(module) ? resolveFile(module, cwd) : (resolvePackage(module, cwd) ?? resolveOwnPackage(module));
  if (file === undefined) throw new UsageError(`cannot find task module \`${module}\` (resolved from ${cwd})`);
  return pathToFileURL(file).href;
}

/**
 * Imports a task module: TypeScript through tsx, everything else through `import()`. TypeScript
 * that Node would run as CommonJS goes through tsx's `require`: its `tsImport` runs such a file
 * from a `data:` URL without a source map, so stack traces would point into that copy.
 */
export async function loadModule(url: string): Promise<Record<string, unknown>> {
  try {
    if (TYPESCRIPT.has(path.extname(new URL(url).pathname))) {
      // Stack traces (and so dead letters) name the user's file and line, in every thread that loads it.
      process.setSourceMapsEnabled(true);
      if (url.startsWith('file:') && isCommonJs(fileURLToPath(url))) {
        const { require: tsRequire } = await import('tsx/cjs/api');
        const exports: unknown = tsRequire(fileURLToPath(url), url);
        // Shaped as `import()` shapes CommonJS: its properties, and `module.exports` as `default`.
        return { ...(typeof exports === 'object' ? exports : {}), default: exports };
      }
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(url, url)) as Record<string, unknown>;
    }
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot load task module \`${moduleLabel(url)}\`: ${describe(error)}`, { cause: error });
  }
}

/**
 * Returns the function `name` of a loaded module: a named export, or a property of its default
 * export (`export default { getJobs, handleJob }`, CommonJS `module.exports`, or either compiled
 * to CommonJS with `__esModule`).
 */
export function pickFunction(mod: Record<string, unknown>, name: string, moduleLabel: string): (...args: never[]) => unknown {
  const found = findFunction(mod, name);
  if (found !== undefined) return found;
  const names = exportNames(mod);
  const list = names.length === 0 ? 'it exports nothing' : `it exports: ${names.join(', ')}`;
  throw new UsageError(`\`${moduleLabel}\` has no function export \`${name}\` (${list})`);
}

/**
 * The function `name` of a loaded module, found where {@link pickFunction} looks (so an optional
 * hook of a `defineTask` default loads as a named export does), or undefined when there is none.
 */
export function findFunction(mod: Record<string, unknown>, name: string): ((...args: never[]) => unknown) | undefined {
  const top = mod[name];
  for (const holder of defaultObjects(mod)) {
    const inner = holder[name];
    // Bound to its object, as a call `exports.fn()` or `task.fn()` would be.
    if (typeof inner === 'function' && (top === undefined || top === inner)) return (inner as (...args: never[]) => unknown).bind(holder);
  }
  return typeof top === 'function' ? (top as (...args: never[]) => unknown) : undefined;
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

/** The objects a default export keeps functions in, outermost first (CommonJS `module.exports`, then its `__esModule` `default`). */
function defaultObjects(mod: Record<string, unknown>): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  let value = mod.default;
  while ((typeof value === 'object' || typeof value === 'function') && value !== null && objects.length < 2) {
    const holder = value as Record<string, unknown>;
    objects.push(holder);
    if (holder.__esModule !== true) break;
    value = holder.default;
  }
  return objects;
}

function exportNames(mod: Record<string, unknown>): string[] {
  const own = (object: Record<string, unknown>): string[] => Object.keys(object).filter((key) => key !== 'default' && key !== '__esModule');
  const names = new Set(own(mod));
  for (const holder of defaultObjects(mod)) if (typeof holder === 'object') own(holder).forEach((key) => names.add(key));
  if (mod.default !== undefined && (typeof mod.default !== 'object' || mod.default === null)) names.add('default');
  return [...names];
}

/** Whether Node runs this TypeScript file as CommonJS: a `.cts`, or a `.ts` outside a `"type": "module"` package. */
function isCommonJs(file: string): boolean {
  const ext = path.extname(file);
  if (ext !== '.ts') return ext === '.cts';
  for (let dir = path.dirname(file); path.basename(dir) !== 'node_modules'; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (isFile(manifest)) return packageType(manifest) !== 'module';
    if (path.dirname(dir) === dir) break;
  }
  return true;
}

/** A package.json's `type`; `module` when it cannot be read, so that `tsImport` says why, as Node would. */
function packageType(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
  } catch {
    return 'module';
  }
}

/**
 * One line: `Name: message`, with where it happened when the error says. esbuild's (tsx's)
 * `Transform failed with 1 error:` puts `file:line:col: ERROR: reason` on the lines after, and a
 * CommonJS SyntaxError puts `file:line` first in its stack.
 */
function describe(error: unknown): string {
  // Duck-typed: errors from another realm (or a bundler's error objects) are not `instanceof Error`.
  const { name, message, stack, errors } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown; stack?: unknown; errors?: unknown };
  if (typeof message !== 'string') return String(error).split('\n', 1)[0]!;
  const label = typeof name === 'string' ? name : 'Error';
  const [first = '', ...rest] = message.split('\n');
  const located = esbuildLocations(errors);
  if (located.length > 0) return `${label}: ${first.replace(/:$/, '')}: ${located.join('; ')}`;
  const details = rest.map((line) => line.trim()).filter(Boolean);
  if (first.endsWith(':') && details.length > 0) return `${label}: ${first} ${details.join('; ')}`;
  const at = typeof stack === 'string' ? /^(\S+:\d+)\n/.exec(stack)?.[1] : undefined;
  return `${label}: ${first}${at === undefined ? '' : ` (at ${at})`}`;
}

/** `file:line:col: text` for each of esbuild's `errors` that has a location. */
function esbuildLocations(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((entry: { text?: unknown; location?: { file?: unknown; line?: unknown; column?: unknown } | null }) => {
    const where = entry?.location;
    if (typeof entry?.text !== 'string' || typeof where?.file !== 'string') return [];
    return [`${where.file}:${String(where.line)}:${String(where.column)}: ${entry.text}`];
  });
}

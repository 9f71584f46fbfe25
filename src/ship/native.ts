/** Whether an installed package has native code: such a package is built for its host, so it is never shipped. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Packages that only a package with native code depends on: they build or find its `.node` file. */
const NATIVE_HELPERS = ['node-gyp-build', 'bindings', 'prebuild-install', '@mapbox/node-pre-gyp', 'node-addon-api', 'node-gyp'];
/** How deep into a package to look for a `.node` file (build/Release/x.node is 2 below its root). */
const SEARCH_DEPTH = 4;

interface Manifest {
  readonly name?: unknown;
  readonly gypfile?: unknown;
  readonly dependencies?: unknown;
  readonly optionalDependencies?: unknown;
}

/**
 * The root of the package that holds `file` (the nearest folder above it whose package.json has a
 * name), or undefined for a file of no package.
 */
export function packageRoot(file: string): { readonly dir: string; readonly name: string } | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = readManifest(dir);
    if (typeof manifest?.name === 'string') return { dir, name: manifest.name };
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Whether the package at `dir` has native code: `gypfile`, a `binding.gyp`, a dependency on a
 * package that builds or loads addons, or a `.node` file of its own.
 */
export function isNativePackage(dir: string): boolean {
  const manifest = readManifest(dir) ?? {};
  if (manifest.gypfile === true || existsSync(path.join(dir, 'binding.gyp'))) return true;
  const depends = [manifest.dependencies, manifest.optionalDependencies].some((deps) => typeof deps === 'object' && deps !== null && NATIVE_HELPERS.some((name) => name in deps));
  return depends || hasAddon(dir, SEARCH_DEPTH);
}

function hasAddon(dir: string, depth: number): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  // A nested node_modules holds other packages: each is judged on its own when it is imported.
  return entries.some((entry) => (entry.isFile() && entry.name.endsWith('.node')) || (depth > 1 && entry.isDirectory() && entry.name !== 'node_modules' && hasAddon(path.join(dir, entry.name), depth - 1)));
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/**
 * The esbuild plugin that decides which bare imports of a shipped handler stay imports, to be
 * resolved on the slave's host: node builtins, taskmaster-ts, packages with native code, imports
 * that cannot be resolved here (optional requires such as pg's `pg-native`), and those listed.
 */
import { builtinModules } from 'node:module';
import type { Plugin } from 'esbuild';
import { isNativePackage, packageRoot } from './native.js';

/** This engine: its slaves have it, and its classes (withCursor's marker) must be the slave's own. */
const ENGINE = 'taskmaster-ts';
const BUILTINS = new Set(builtinModules);
/** Marks the resolve this plugin asks esbuild for, so that it does not answer itself. */
const PROBE = { taskmasterProbe: true } as const;

/** The package a bare specifier names: `@scope/name` or `name`, without its subpath. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

/** A plugin that leaves the imports above external, and adds each package it left to `externals`. */
export function externalsPlugin(listed: readonly string[], externals: Set<string>): Plugin {
  const wanted = new Set([ENGINE, ...listed.map(packageName)]);
  const native = new Map<string, boolean>();
  const isNative = (dir: string): boolean => native.get(dir) ?? native.set(dir, isNativePackage(dir)).get(dir)!;
  return {
    name: 'taskmaster-externals',
    setup(build) {
      // Bare specifiers only: relative and absolute paths are the user's own files.
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === PROBE) return undefined;
        if (args.path.startsWith('node:') || BUILTINS.has(args.path)) return { path: args.path, external: true };
        const name = packageName(args.path);
        const keep = (): { path: string; external: true } => (externals.add(name), { path: args.path, external: true });
        if (wanted.has(name)) return keep();
        const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: PROBE });
        // Not here: an optional require (or import()) the code guards, left to fail or succeed on the slave's host.
        // A static import that cannot be resolved is an error, as it would be at load time.
        if (found.errors.length > 0) return args.kind === 'import-statement' ? undefined : keep();
        const root = found.external ? undefined : packageRoot(found.path);
        return root !== undefined && isNative(root.dir) ? keep() : undefined;
      });
    },
  };
}

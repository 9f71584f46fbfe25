/**
 * `taskmaster-ts/…` specifiers resolved against this engine's own package: so the built-in
 * sources (`taskmaster-ts/sources/lines`) are found when the bins run from a checkout or a global
 * install, with a cwd whose project does not depend on taskmaster-ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** This package's manifest: one level above src/ and dist/, as version.ts reads it. */
const MANIFEST = new URL('../../package.json', import.meta.url);
const NAME = (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { name: string }).name;

/**
 * The file `specifier` names in this package (through its `exports`, as a self-reference), or
 * undefined when it names another package or nothing this package exports.
 */
export function resolveOwnPackage(specifier: string): string | undefined {
  if (specifier !== NAME && !specifier.startsWith(`${NAME}/`)) return undefined;
  try {
    return createRequire(MANIFEST).resolve(specifier);
  } catch {
    return undefined;
  }
}

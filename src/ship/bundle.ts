/**
 * The handler a master ships: its task module and what it imports, bundled by esbuild into one
 * ESM file in memory, with the sha256 every slave of the run checks it by.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../common/errors.js';
import { resolveModule } from '../task/load.js';
import { externalsPlugin } from './externals.js';

/** One bundled handler. */
export interface Bundle {
  /** One ESM file: the module and everything it imports but the externals. */
  readonly code: Buffer;
  /** sha256 of `code`, in hex. */
  readonly sha256: string;
  /** Packages left as imports, resolved on the slave's host (node builtins not listed), sorted. */
  readonly externals: readonly string[];
}

export interface BundleOptions {
  /** Directory a relative module path resolves against. @default process.cwd() */
  readonly cwd?: string;
  /** Packages to leave external besides those found to be (`--ship-external`). @default [] */
  readonly external?: readonly string[];
}

/**
 * Lets CommonJS code bundled into ESM `require` what stays external (esbuild's `__require` calls
 * `require` when there is one). esbuild renames any top-level `require` of the user's own, so only
 * the import needs a name no user code can declare by chance.
 */
const BANNER = "import { createRequire as __taskmasterCreateRequire } from 'node:module'; const require = __taskmasterCreateRequire(import.meta.url);";

/**
 * Bundles the task module `module` (a path from `cwd`, or a package) into one ESM file, built
 * from the module's own directory so that the same sources anywhere give the same sha256.
 * @example
 * const { code, sha256 } = await bundleModule('handler.ts', { external: ['sharp'] });
 */
export async function bundleModule(module: string, options: BundleOptions = {}): Promise<Bundle> {
  const entry = fileURLToPath(resolveModule(module, options.cwd ?? process.cwd()));
  const externals = new Set<string>();
  // Loaded only by a master that ships (and a slave with its own module): a plain run never pays for esbuild.
  const { build } = await import('esbuild');
  const dir = path.dirname(entry);
  let output: Uint8Array;
  try {
    const result = await build({
      entryPoints: [path.basename(entry)],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      banner: { js: BANNER },
      plugins: [externalsPlugin(options.external ?? [], externals)],
    });
    output = result.outputFiles[0]!.contents;
  } catch (error) {
    throw new UsageError(`cannot bundle task module \`${module}\` to ship it: ${firstError(error)}`, { cause: error });
  }
  const code = Buffer.from(output.buffer, output.byteOffset, output.byteLength);
  return { code, sha256: createHash('sha256').update(code).digest('hex'), externals: [...externals].sort() };
}

/** esbuild's first error as `file:line: text`, or the error's first line. */
function firstError(error: unknown): string {
  const first = (error as { errors?: { text?: unknown; location?: { file?: unknown; line?: unknown } | null }[] }).errors?.[0];
  if (typeof first?.text !== 'string') return String((error as Error).message ?? error).split('\n', 1)[0]!;
  const where = first.location;
  return typeof where?.file === 'string' ? `${where.file}:${String(where.line)}: ${first.text}` : first.text;
}

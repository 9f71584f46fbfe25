/**
 * Where a slave keeps the code its master shipped while it runs it: a private directory (0700)
 * under its cwd, `.taskmaster/code-<sha12>-XXXXXX/handler.mjs`, so that the bundle's external
 * imports (taskmaster-ts, native packages) resolve from the slave's project node_modules; under
 * the OS's temp dir when the cwd is not writable. Removed when the slave ends, on every path.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../common/errors.js';
import type { Code } from '../protocol/messages.js';

/** The shipped handler, written out. */
export interface CodeDir {
  /** The bundle's file, for the pool to load. */
  readonly file: string;
  readonly fn: string;
  readonly sha256: string;
  /** Removes the directory; safe to repeat. */
  remove(): void;
}

/**
 * Checks `code` against its sha256 and writes it out under `cwd` (or the temp dir). The directory
 * goes when `remove()` is called, and at the latest when the process exits (not on SIGKILL).
 */
export function writeCode(code: Code, cwd: string, from: string): CodeDir {
  const actual = createHash('sha256').update(code.bundle).digest('hex');
  if (actual !== code.sha256) throw new UsageError(`the code from ${from} is not what its sha256 says (${code.sha256.slice(0, 12)}, got ${actual.slice(0, 12)}): refusing to run it`);
  const prefix = `code-${code.sha256.slice(0, 12)}-`;
  const dir = privateDir(path.join(cwd, '.taskmaster'), prefix) ?? mkdtempSync(path.join(tmpdir(), `taskmaster-${prefix}`));
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  try {
    const file = path.join(dir, 'handler.mjs');
    writeFileSync(file, code.bundle, { mode: 0o600 });
    return { file, fn: code.fn, sha256: code.sha256, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** A new directory `parent/prefixXXXXXX` (mkdtemp makes it 0700), or undefined when `parent` is not writable. */
function privateDir(parent: string, prefix: string): string | undefined {
  try {
    mkdirSync(parent, { recursive: true });
    return mkdtempSync(path.join(parent, prefix));
  } catch {
    return undefined;
  }
}

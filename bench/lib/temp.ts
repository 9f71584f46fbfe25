/** Temp dirs for runs' state and traces, removed after each run and, on a signal, at exit. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dirs = new Set<string>();

/** A fresh, empty directory under the OS temp dir. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  // Retries: a process killed a moment ago may still be writing its state file there.
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  dirs.delete(dir);
}

/** Removes every temp dir still there: for exit paths that skip the runs' own cleanup. */
export function removeTempDirs(): void {
  for (const dir of dirs) {
    try {
      removeTempDir(dir);
    } catch (error) {
      process.stderr.write(`bench: could not remove ${dir}: ${(error as Error).message}\n`);
    }
  }
}

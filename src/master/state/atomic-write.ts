/** Replacing a file so that a crash at any moment leaves either the old bytes or the new ones. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `data` to `path` atomically: `<path>.tmp`, fsync, rename over `path`, fsync the
 * directory. On failure the tmp file is removed (if it can be) and `path` is untouched.
 * The fixed tmp name is safe because the state lock admits one writer.
 */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o644);
    writeFileSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (error) {
    if (fd !== undefined) closeQuietly(fd);
    try {
      // Never recursive: if something else sits at the tmp path, it is not ours to delete.
      rmSync(tmp, { force: true });
    } catch {
      // The error worth reporting is the one that stopped the write.
    }
    throw error;
  }
  fsyncDirectory(dirname(path));
}

/** Makes a rename or a new file in `dir` durable; a no-op where directories cannot be synced. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Some filesystems (and Windows) refuse fsync on a directory; there is nothing more to do there.
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already failing; a second error from close adds nothing.
  }
}

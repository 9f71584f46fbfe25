import { afterEach, beforeEach } from 'vitest';
import { killAll, tempDir } from './processes.js';

/** Gives each test of the file a fresh temp dir (`dir.path`), and ends every process a test started. */
export function useTestDir(): { readonly path: string } {
  let dir: ReturnType<typeof tempDir> | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await killAll();
    dir?.remove();
  });
  return {
    get path() {
      return dir!.path;
    },
  };
}

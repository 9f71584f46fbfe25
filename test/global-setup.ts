/**
 * vitest globalSetup: a fresh claims directory for test/helpers/ports.ts, shared by every worker
 * of the run through the environment they inherit (vitest forks them after setup), removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORTS_DIR_ENV } from './helpers/ports.js';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tm-ports-'));
  process.env[PORTS_DIR_ENV] = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env[PORTS_DIR_ENV];
  };
}

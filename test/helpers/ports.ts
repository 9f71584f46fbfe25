/**
 * TCP ports for tests that need one fixed number for a whole test (a master restarted on the same
 * address, its slaves reconnecting): a port is never handed out twice in one test run, even to
 * vitest's parallel worker processes. Each port is claimed by creating a directory named after it
 * in a directory shared by the run (`mkdir` is atomic: EEXIST means another process holds it).
 */
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The env var naming the claims directory; test/global-setup.ts sets it for the whole run. */
export const PORTS_DIR_ENV = 'TM_TEST_PORTS_DIR';

/** Candidates, [LOW, HIGH): below Linux's ephemeral range (32768-60999), so the OS never picks one for port 0 or a client. */
export const LOW = 20_000;
export const HIGH = 32_000;

/**
 * A reserver claiming ports in `dir`, walking up from `start` (and wrapping): each call resolves with
 * a port that no other reserver on `dir` has claimed and that was bindable on 127.0.0.1 just now.
 */
export function portReserver(dir: string, start: number): () => Promise<number> {
  let next = start;
  return async () => {
    for (let tried = 0; tried < HIGH - LOW; tried++) {
      const port = next;
      next = next + 1 === HIGH ? LOW : next + 1;
      try {
        mkdirSync(join(dir, String(port)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      // Ours now; a claimed port that something outside the run holds stays claimed, unused.
      if (await bindable(port)) return port;
    }
    throw new Error(`no free port left in [${LOW}, ${HIGH}) under ${dir}`);
  };
}

/** Whether a TCP server can listen on 127.0.0.1:`port` (it is closed again at once). */
async function bindable(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch {
    return false;
  }
  server.close();
  await once(server, 'close');
  return true;
}

let reserve: (() => Promise<number>) | undefined;

/**
 * A loopback TCP port for this test alone, for the rest of the run. Under vitest the claims
 * directory comes from test/global-setup.ts; a script outside vitest (`npm run chaos`) gets one of
 * its own, removed when it exits. Each process starts at a random candidate, so they rarely contend.
 */
export function reservePort(): Promise<number> {
  reserve ??= portReserver(claimsDir(), randomInt(LOW, HIGH));
  return reserve();
}

function claimsDir(): string {
  const shared = process.env[PORTS_DIR_ENV];
  if (shared !== undefined && shared !== '') return shared;
  // Each worker making its own would let two of them claim the same port.
  if (process.env.VITEST !== undefined) throw new Error(`${PORTS_DIR_ENV} is unset: test/global-setup.ts did not run`);
  const own = mkdtempSync(join(tmpdir(), 'tm-ports-'));
  process.on('exit', () => rmSync(own, { recursive: true, force: true }));
  return own;
}

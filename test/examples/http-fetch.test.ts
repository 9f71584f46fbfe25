import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const JOBS = 3000;
const CONCURRENCY = 64;

describe('examples/http-fetch', () => {
  const dir = useTestDir();

  it('keeps --concurrency 64 requests in flight on one thread, retries a 503, and calls for every id', async () => {
    const served = new Map<number, number>();
    const refused = new Set<number>();
    // The first 64 requests are held until all 64 are in: the run gets past them only if one
    // thread really has 64 calls open at once.
    const held: Array<{ id: number; response: ServerResponse }> = [];
    let gateOpen = false;
    const reply = (id: number, response: ServerResponse): void => {
      served.set(id, (served.get(id) ?? 0) + 1);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, name: `user ${id}` }));
    };
    const server = createServer((request, response) => {
      const id = Number(/^\/users\/(\d+)$/.exec(request.url ?? '')?.[1]);
      // Every 500th id fails once, as a busy server does.
      if (id % 500 === 7 && !refused.has(id)) {
        refused.add(id);
        return void response.writeHead(503).end('busy');
      }
      if (gateOpen) return reply(id, response);
      held.push({ id, response });
      if (held.length < CONCURRENCY) return;
      gateOpen = true;
      for (const waiting of held) reply(waiting.id, waiting.response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const run = runBin(
        'tm-run',
        ['--source', 'taskmaster-ts/sources/range', join(ROOT, 'examples', 'http-fetch', 'fetch.ts'), '1', `to=${JOBS}`, '--threads', '1', '--concurrency', String(CONCURRENCY), '--retry-backoff', '10', '--no-progress'],
        { cwd: dir.path, env: { API_URL: `http://127.0.0.1:${port}` } },
      );
      expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
      expect(run.stdout).toMatch(`finished: ${JOBS} jobs done, 0 dead-lettered`);
      expect(gateOpen).toBe(true);
      expect(refused.size).toBe(6);
      expect([...served.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: JOBS }, (_, i) => i));
      expect(Math.max(...served.values())).toBe(1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

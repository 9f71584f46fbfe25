/**
 * http: what `--http` costs with a page open. The noop workload (1 slave, 2 threads) with the
 * master serving --http and an SSE client reading /events all along (sse-watcher.mjs: what the
 * page's EventSource reads), against the same without --http, runs alternating in one
 * invocation; ratio < 1 is the cost. Target: within 3%.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Topology } from '../lib/measure.js';
import { comparison, type Row, type Settings } from '../lib/report.js';
import { engine } from '../lib/topologies.js';
import { withAndWithout } from '../lib/with-and-without.js';

const TIMEOUT_MS = 10 * 60_000;
const WATCHER = fileURLToPath(new URL('../lib/sse-watcher.mjs', import.meta.url));

/** A loopback port free just now (the run binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** `topology` with its master serving --http on `port`, and a watcher reading its events from the start. */
function watched(topology: Topology, port: number): Topology {
  const { producer } = topology;
  const watcher = { name: 'sse-watcher', script: WATCHER, args: () => [`http://127.0.0.1:${port}/events`] };
  return { ...topology, producer: { ...producer, args: (dir) => [...producer.args(dir), '--http', `127.0.0.1:${port}`] }, consumers: [...topology.consumers, watcher] };
}

export async function httpCost(settings: Settings): Promise<Row[]> {
  // Enough jobs for a run of several seconds, so the page gets many frames (2 a second), not one.
  const jobs = settings.quick ? 4_000_000 : 20_000_000;
  const plain = engine({ task: 'noop', jobs, slaves: [{ threads: 2, concurrency: 1 }], timeoutMs: TIMEOUT_MS });
  // One port for every run: each master binds it and lets it go before the next starts.
  const { e, b } = await withAndWithout(settings, 'http', '--http and a page open', 'without', watched(plain, await freePort()), plain);
  return [comparison('http', jobs, e, b, 'noop without --http', 'noop with --http and an SSE client jobs/s / noop without jobs/s (medians)', 0.97)];
}

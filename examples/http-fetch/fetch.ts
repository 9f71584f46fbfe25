/**
 * An I/O-bound handler: one HTTP call per job, many at once on each thread. The range source
 * yields the ids; each job GETs `${API_URL}/users/<id>` and returns what came back. A status
 * other than 2xx throws, so the engine retries it (with backoff, preferably on another slave) and
 * dead-letters it after --retries; a GET is idempotent, as a handler must be.
 *
 *   API_URL=http://127.0.0.1:8080 tm-run --source taskmaster-ts/sources/range examples/http-fetch/fetch.ts 1 to=10000 --concurrency 64
 *
 * With --concurrency 64 each thread keeps 64 requests in flight: the run waits on the server,
 * not on the CPU, so a few threads go a long way.
 */

export interface User {
  readonly id: number;
  readonly name: string;
}

const api = process.env.API_URL ?? 'http://127.0.0.1:8080';

export async function handleJob(id: number): Promise<User> {
  const response = await fetch(`${api}/users/${id}`, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET /users/${id}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as User;
}

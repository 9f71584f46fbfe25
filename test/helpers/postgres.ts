/**
 * The PostgreSQL the tests talk to: `TM_TEST_PG_URL` (set by `.ci/run`, which starts a throwaway
 * cluster with `.ci/start-postgres`), else the libpq defaults (`PG*` variables, then localhost).
 * Locally, a test file with no reachable server is skipped with one line on stderr; under CI a
 * missing server is a failure, never a skip.
 *
 * Each test file gets a database of its own (`freshDatabase()`), dropped by `dropDatabase()`, so
 * files running side by side never see each other's tables.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server's URL, or undefined when none answers (and this is not CI). */
export async function reachablePostgres(what: string): Promise<string | undefined> {
  const url = process.env.TM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch (error) {
    const reason = `no PostgreSQL at ${url} (${(error as Error).message}); set TM_TEST_PG_URL or run .ci/start-postgres`;
    if (process.env.CI) throw new Error(`${what}: ${reason}`);
    process.stderr.write(`${what}: skipped, ${reason}\n`);
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Makes an empty database on the server at `url` and returns the URL that names it. */
export async function freshDatabase(url: string): Promise<string> {
  const name = `tm_test_${randomBytes(6).toString('hex')}`;
  await withClient(url, (client) => client.query(`CREATE DATABASE ${name}`));
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}

/** Drops a database that `freshDatabase` made, ending any sessions still in it. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const server = new URL(databaseUrl);
  const name = server.pathname.slice(1);
  server.pathname = '/postgres';
  await withClient(server.toString(), (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Runs `work` with a connected client, ended afterwards whatever happens. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

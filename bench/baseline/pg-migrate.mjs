// Baseline for the pg workload: examples/pg-migrate with no engine. One client pages users_v1 by
// id (keyset, 1000 rows a query, the next page asked for while this one is written, as the pg
// source does); the rows are reshaped and upserted with the example's own statement, `statement`
// rows at a time (what one thread's 64 lanes gather), `connections` statements at once over a
// pool of as many connections. Connects as libpq does (PG* variables).
//   node pg-migrate.mjs users=examples/pg-migrate/users.ts connections=4 statement=64
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { parseArgs, ready, summary } from './common.mjs';

const args = parseArgs();
const connections = Number(args.connections);
const statement = Number(args.statement);
const { reshape, UPSERT, upsertParams } = await tsImport(pathToFileURL(args.users).href, import.meta.url);
const PAGE = 'SELECT *, "id"::text AS key FROM "users_v1" WHERE ("id") > ($1) ORDER BY "id" LIMIT $2';
const FIRST = 'SELECT *, "id"::text AS key FROM "users_v1" ORDER BY "id" LIMIT $1';

const reader = new pg.Client();
await reader.connect();
const pool = new pg.Pool({ max: connections });
// Every connection open before the clock starts, as the engine's are by its first jobs.
const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
clients.forEach((client) => client.release());
ready('baseline-pg');
const startedAt = performance.now();

const fetchPage = (after) => reader.query(after === undefined ? FIRST : PAGE, after === undefined ? [1000] : [after, 1000]);
const running = new Set();
let done = 0;
let page = await fetchPage(undefined);
while (page.rows.length > 0) {
  const next = page.rows.length < 1000 ? undefined : fetchPage(page.rows.at(-1).key);
  for (let i = 0; i < page.rows.length; i += statement) {
    const users = page.rows.slice(i, i + statement).map(reshape);
    const write = pool.query(UPSERT, upsertParams(users)).then(() => {
      done += users.length;
      running.delete(write);
    });
    running.add(write);
    if (running.size >= connections) await Promise.race(running);
  }
  if (next === undefined) break;
  page = await next;
}
await Promise.all(running);
summary('baseline-pg', done, startedAt);
await reader.end();
await pool.end();

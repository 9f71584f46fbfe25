/**
 * Copies users_v1 into the reshaped users_v2 (users.ts): the built-in pg source pages users_v1
 * by its key in the master, and this handler upserts each row in the slaves. The upsert makes it
 * idempotent: a row that runs again after a crash (one that was in flight) is written the same.
 *
 *   psql -f examples/pg-migrate/schema.sql
 *   tm-run --source taskmaster-ts/sources/pg examples/pg-migrate/migrate.ts 1 table=users_v1 key=id --concurrency 64
 *
 * Connects as libpq does (PGHOST, PGUSER, PGDATABASE, …) or to DATABASE_URL, with a pool of
 * PG_POOL (default 2) connections in each thread. The rows a thread has in flight together go
 * as one statement of up to 500 (upsert-batches.ts).
 */
import pg from 'pg';
import { UpsertBatches } from './upsert-batches.js';
import { reshape, type UserV1 } from './users.js';

// One pool per worker thread: the module is loaded once in each.
const pool = new pg.Pool({ ...(process.env.DATABASE_URL === undefined ? {} : { connectionString: process.env.DATABASE_URL }), max: Number(process.env.PG_POOL ?? 2) });
const batches = new UpsertBatches(pool, 500);

export function handleJob(user: UserV1): Promise<void> {
  return batches.add(reshape(user));
}

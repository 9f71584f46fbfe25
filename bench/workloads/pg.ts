/**
 * pg: rows/s of examples/pg-migrate through the engine (tm-master running the built-in pg source
 * over users_v1; one tm-slave of 2 threads × 64 lanes running migrate.ts, a pool of 2 connections
 * a thread) against bench/baseline/pg-migrate.mjs: the same keyset reads and the same upserts, in
 * statements of the size one thread gathers, over the same 4 connections, in one process with no
 * engine. Runs alternate; users_v2 is emptied before each. Target: at least 0.85 × the baseline.
 *
 * Needs a PostgreSQL: TM_BENCH_PG_URL, else TM_TEST_PG_URL (what .ci/start-postgres prints);
 * without one the workload says so and reports nothing. It works in a database of its own, dropped after.
 * TM_BENCH_PG_THREADS, TM_BENCH_PG_LANES and TM_BENCH_PG_POOL change the line-up (2, 64, 2).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { measure, type Measure, type Topology } from '../lib/measure.js';
import { describeRun, engineFields, medians, round, type Row, type Settings } from '../lib/report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = path.join(ROOT, 'examples', 'pg-migrate');
const TIMEOUT_MS = 10 * 60_000;
const THREADS = Number(process.env.TM_BENCH_PG_THREADS ?? 2);
const LANES = Number(process.env.TM_BENCH_PG_LANES ?? 64);
const POOL = Number(process.env.TM_BENCH_PG_POOL ?? 2);
/** Issue 23's target: rows/s at least this share of the bare script's. */
const TARGET = 0.85;

/** Runs each of `statements` on the server at `url`, one by one (VACUUM runs in no transaction). */
async function query(url: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A URL as the libpq variables the bins and the baseline connect with. */
function libpq(url: string): Record<string, string> {
  const at = new URL(url);
  return { PGHOST: at.hostname, PGPORT: at.port || '5432', PGUSER: decodeURIComponent(at.username), PGPASSWORD: decodeURIComponent(at.password), PGDATABASE: at.pathname.slice(1) };
}

function engine(rows: number, env: Record<string, string>): Topology {
  const bin = (name: string): string => path.join(ROOT, 'dist', 'bin', `${name}.js`);
  return {
    producer: { name: 'tm-master', script: bin('tm-master'), args: (dir) => ['taskmaster-ts/sources/pg', 'table=users_v1', 'key=id', '--address', 'tcp://127.0.0.1:*', '--state', path.join(dir, 'state.json'), '--reset', '--no-progress'], env },
    consumers: [{ name: 'tm-slave', script: bin('tm-slave'), args: (endpoint) => [path.join(EXAMPLE, 'migrate.ts'), '--address', endpoint, '--threads', String(THREADS), '--concurrency', String(LANES)], env: { ...env, PG_POOL: String(POOL) } }],
    jobs: rows,
    timeoutMs: TIMEOUT_MS,
  };
}

function baseline(rows: number, env: Record<string, string>): Topology {
  const args = [`users=${path.join(EXAMPLE, 'users.ts')}`, `connections=${THREADS * POOL}`, `statement=${LANES}`];
  return { producer: { name: 'baseline-pg', script: path.join(ROOT, 'bench', 'baseline', 'pg-migrate.mjs'), args: () => args, env }, consumers: [], jobs: rows, timeoutMs: TIMEOUT_MS };
}

export async function pgMigrate(settings: Settings): Promise<Row[]> {
  const server = process.env.TM_BENCH_PG_URL ?? process.env.TM_TEST_PG_URL;
  if (server === undefined) {
    settings.log('pg: skipped, no PostgreSQL (set TM_BENCH_PG_URL or TM_TEST_PG_URL)');
    return [];
  }
  const rows = settings.quick ? 200_000 : 1_000_000;
  const name = `tm_bench_${randomBytes(6).toString('hex')}`;
  await query(server, `CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(server), { pathname: `/${name}` }).toString();
  try {
    await query(url, readFileSync(path.join(EXAMPLE, 'schema.sql'), 'utf8'));
    await query(url, `INSERT INTO users_v1 SELECT n, 'First' || n, 'Last' || n, 'User' || n || '@Example' || (n % 7) || '.com', timestamptz '2020-01-01 00:00:00+00' + n * interval '37 minutes' FROM generate_series(1, ${rows}) n`, 'VACUUM ANALYZE users_v1');
    const env = libpq(url);
    const withEngine: Measure[] = [];
    const bare: Measure[] = [];
    for (let i = 1; i <= settings.runs; i++) {
      await query(url, 'TRUNCATE users_v2', 'CHECKPOINT');
      withEngine.push(await measure(engine(rows, env)));
      settings.log(describeRun(`pg ${i}/${settings.runs} engine`, withEngine.at(-1)!));
      await query(url, 'TRUNCATE users_v2', 'CHECKPOINT');
      bare.push(await measure(baseline(rows, env)));
      settings.log(describeRun(`pg ${i}/${settings.runs} bare script`, bare.at(-1)!));
    }
    const e = medians(withEngine);
    const b = medians(bare);
    const ratio = e.jobsPerS / b.jobsPerS;
    return [
      {
        name: 'pg',
        jobs: rows,
        ...engineFields(e),
        baseline: `bare script, same upserts over ${THREADS * POOL} connections`,
        baseline_jobs_per_s: Math.round(b.jobsPerS),
        baseline_seconds: round(b.seconds, 3),
        baseline_samples_jobs_per_s: b.samples,
        ratio: round(ratio, 3),
        ratio_of: 'engine rows/s / bare script rows/s (medians)',
        target: `>= ${TARGET}`,
        pass: ratio >= TARGET,
      },
    ];
  } finally {
    await query(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

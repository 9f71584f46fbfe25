/**
 * Built-in source `taskmaster-ts/sources/pg`: the rows of a PostgreSQL table, one job per row (an
 * object of its columns, as the `pg` package reads them), in key order by keyset pagination. Each
 * row's cursor is its key as text, so a resume asks for `(key) > (that key)` and goes on exactly.
 *
 *   tm-run --source taskmaster-ts/sources/pg ./migrate.ts 4 table=public.users key=id batch=1000
 *
 * Args: `table=` (schema-qualified allowed), `key=` (a column, or a composite key `a,b`: unique and
 * NOT NULL together, such as the primary key), `url=` (else the libpq `PG*` variables), `columns=`
 * (default all), `where=` (a SQL condition, spliced as written; bind its values as `$1`, `$2`… with
 * `where-params=` a JSON array), `batch=` (rows a query, default 1000), `count=false` (no
 * `count(*)` for the progress total). Names are exact (case-sensitive) and always quoted.
 */
import pg from 'pg';
import { withCursor, type JobArgs, type WithCursor } from '../task/task.js';
import { parseIdentifiers } from './pg-identifiers.js';
import { countQuery, pageQuery, type KeysetTable } from './pg-keyset.js';
import { SourceArgs } from './source-args.js';

const ARGS = ['url', 'table', 'key', 'columns', 'where', 'where-params', 'batch', 'count'];

interface PgSource extends KeysetTable {
  readonly url: string | undefined;
  readonly batch: number;
  readonly count: boolean;
  readonly args: SourceArgs;
}

function pgSource(raw: JobArgs | undefined): PgSource {
  const args = new SourceArgs('pg', raw, ARGS);
  const names = (name: string, separator: ',' | '.', what: string): string[] => {
    const parsed = parseIdentifiers(args.required(name, what), separator);
    return typeof parsed === 'string' ? args.fail(`cannot read \`${name}=\`: ${parsed}`) : parsed;
  };
  const table = names('table', '.', 'the table, schema-qualified if need be');
  if (table.length > 2) args.fail(`expected \`table=\` to be table or schema.table, got ${table.length} names`);
  const key = names('key', ',', 'its unique NOT NULL key: a column, or columns a,b');
  const columns = args.optional('columns') === undefined ? undefined : names('columns', ',', 'the columns each row holds');
  const where = args.optional('where');
  if (where !== undefined && where.trim() === '') args.fail('expected `where=` to be a SQL condition, got nothing');
  const whereParams = parseParams(args);
  if (whereParams.length > 0 && where === undefined) args.fail('`where-params=` binds the `$1`… of a `where=`, and there is none');
  return { url: args.optional('url'), table, key, columns, where, whereParams, batch: args.integer('batch', 1000, 1, 1_000_000), count: args.boolean('count', true), args };
}

function parseParams(args: SourceArgs): unknown[] {
  const raw = args.optional('where-params');
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return args.fail(`expected \`where-params=\` to be a JSON array, such as ["active", 3]: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed) || parsed.some((value) => typeof value === 'object' && value !== null)) {
    args.fail(`expected \`where-params=\` to be a JSON array of strings, numbers, booleans or nulls, got \`${raw}\``);
  }
  return parsed as unknown[];
}

/** A client for `url`, or for the libpq `PG*` variables when there is none. */
function connect(url: string | undefined): pg.Client {
  return new pg.Client(url === undefined ? {} : { connectionString: url });
}

/** The rows after `last` (the key, as text, of the last row of the finished prefix). Checks the args before the first row. */
export function getJobs(last: readonly string[] | undefined, args: JobArgs): AsyncGenerator<WithCursor<Record<string, unknown>>> {
  const source = pgSource(args);
  if (last !== undefined && (!Array.isArray(last) || last.length !== source.key.length)) {
    source.args.fail(`the state's cursor ${JSON.stringify(last)} is no key of ${source.key.length} columns: was \`key=\` changed? Pass --reset to start over`);
  }
  return rows(source, last);
}

async function* rows(source: PgSource, last: readonly string[] | undefined): AsyncGenerator<WithCursor<Record<string, unknown>>> {
  const client = connect(source.url);
  await client.connect();
  try {
    const fetch = (after: readonly string[] | undefined): Promise<pg.QueryArrayResult> => client.query({ ...pageQuery(source, after, source.batch), rowMode: 'array' });
    let after = last;
    let page = await fetch(after);
    while (page.rows.length > 0) {
      const keyAt = page.fields.length - source.key.length;
      const names = page.fields.slice(0, keyAt).map((field) => field.name);
      const keys: string[][] = [];
      for (const values of page.rows) keys.push(checkedKey(source, values.slice(keyAt), keys.at(-1) ?? after));
      // The next page is asked for while this one is yielded: one round trip a page, overlapped.
      const next = page.rows.length < source.batch ? undefined : fetch(keys.at(-1));
      for (const [r, values] of page.rows.entries()) {
        const row: Record<string, unknown> = {};
        for (let i = 0; i < keyAt; i++) row[names[i]!] = values[i];
        yield withCursor(row, keys[r]!);
      }
      if (next === undefined) break;
      after = keys.at(-1);
      page = await next;
    }
  } finally {
    await client.end();
  }
}

/** A row's key as text; a NULL, or a key equal to the one before, breaks keyset pagination: said, not skipped. */
function checkedKey(source: PgSource, key: unknown[], before: readonly string[] | undefined): string[] {
  if (key.some((value) => value === null)) {
    source.args.fail(`a row has a NULL in its key (${source.key.join(', ')}) = (${key.map((value) => (value === null ? 'NULL' : String(value))).join(', ')}): \`key=\` must be unique and NOT NULL, such as the primary key`);
  }
  if (before !== undefined && key.every((value, i) => value === before[i])) {
    source.args.fail(`two rows have the key (${source.key.join(', ')}) = (${key.join(', ')}): \`key=\` must be unique, such as the primary key`);
  }
  return key as string[];
}

/** `count(*)` of the rows, for the progress total (`count=false`: none). */
export async function countJobs(args: JobArgs): Promise<number> {
  const source = pgSource(args);
  if (!source.count) return Number.NaN; // no total: the master runs without one
  const client = connect(source.url);
  await client.connect();
  try {
    const { rows: [row] } = await client.query<{ n: string }>(countQuery(source));
    return Number(row!.n);
  } finally {
    await client.end();
  }
}

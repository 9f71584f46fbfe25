import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { countJobs, getJobs } from '../../src/sources/pg.js';
import { parseIdentifiers, quoteIdentifier } from '../../src/sources/pg-identifiers.js';
import { dropDatabase, freshDatabase, reachablePostgres, withClient } from '../helpers/postgres.js';
import { collect } from './collect.js';

const server = await reachablePostgres('test/sources/pg.test.ts');
let url = '';

/** The schema and table names the tests use: a capital, a space and a quote, as the catalog holds them. */
const SCHEMA = 'Sales Dept';
const TABLE = 'My "Orders"';
const ARGS = { table: `${SCHEMA}.${TABLE}`, key: 'Region,order no' };

describe('pg identifiers', () => {
  it('takes names as written, quoted names with the separator or quotes in them, and quotes every one', () => {
    expect(parseIdentifiers('Sales Dept.My "Orders"', '.')).toEqual(['Sales Dept', 'My "Orders"']);
    expect(parseIdentifiers(' a , "b,c" ,"say ""hi"""', ',')).toEqual(['a', 'b,c', 'say "hi"']);
    expect(parseIdentifiers('"my.schema".t', '.')).toEqual(['my.schema', 't']);
    expect(parseIdentifiers('a,,b', ',')).toBe('an empty name');
    expect(parseIdentifiers('"a', ',')).toBe('an unterminated "quoted" name at character 1');
    expect(parseIdentifiers('"a"b', ',')).toBe('`b` after the quoted name "a" at character 4');
    expect(quoteIdentifier('My "Orders"')).toBe('"My ""Orders"""');
  });
});

describe.skipIf(server === undefined)('the pg source', () => {
  beforeAll(async () => {
    url = await freshDatabase(server!);
    await withClient(url, async (client) => {
      await client.query(`CREATE SCHEMA "Sales Dept"`);
      await client.query(`CREATE TABLE "Sales Dept"."My ""Orders""" ("Region" text NOT NULL, "order no" int NOT NULL, note text, placed timestamptz NOT NULL, PRIMARY KEY ("Region", "order no"))`);
      // Regions with a quote and an injection attempt in them: values, always bound.
      await client.query(`INSERT INTO "Sales Dept"."My ""Orders""" SELECT r, n, 'note ' || n, timestamptz '2024-01-01 00:00:00.123456+00' + n * interval '1 microsecond'
        FROM unnest(ARRAY['east', 'north', 'O''Brien''); DROP TABLE "Sales Dept"."My ""Orders"""; --', 'west']) r, generate_series(1, 7) n`);
      await client.query(`CREATE TABLE plain (id bigint PRIMARY KEY, v int)`);
      await client.query(`INSERT INTO plain SELECT n, n % 10 FROM generate_series(1, 2500) n`);
    });
  });
  afterAll(async () => {
    if (url !== '') await dropDatabase(url);
  });

  const rows = async (args: Record<string, string>, last?: string[]) => collect(getJobs(last, { url, ...args }));

  it('yields every row once, in composite-key order, over pages, with its key as text for its cursor', async () => {
    const got = await rows({ ...ARGS, batch: '3' });
    expect(got).toHaveLength(28);
    const expected = ['O\'Brien\'); DROP TABLE "Sales Dept"."My ""Orders"""; --', 'east', 'north', 'west'].flatMap((r) => [1, 2, 3, 4, 5, 6, 7].map((n) => [r, String(n)]));
    expect(got.map(({ cursor }) => cursor)).toEqual(expected);
    expect(got[1]!.job).toEqual({ Region: expected[1]![0], 'order no': 2, note: 'note 2', placed: new Date('2024-01-01T00:00:00.123Z') });
  });

  it('resumes after any row exactly, the injection-shaped key bound as a value', async () => {
    const all = await rows({ ...ARGS, batch: '4' });
    for (let i = 0; i < all.length; i++) expect(await rows({ ...ARGS, batch: '4' }, all[i]!.cursor as string[])).toEqual(all.slice(i + 1));
    expect(await withClient(url, (client) => client.query(`SELECT count(*)::int AS n FROM "Sales Dept"."My ""Orders"""`))).toMatchObject({ rows: [{ n: 28 }] });
  });

  it('resumes a timestamp key to the microsecond: the cursor is the key as PostgreSQL writes it', async () => {
    const all = await rows({ table: ARGS.table, key: 'placed,Region', columns: 'order no' });
    // In the server's TimeZone, with its offset: exact either way.
    expect(all[0]!.cursor).toEqual([expect.stringMatching(/:00\.123457[+-]\d\d/), 'O\'Brien\'); DROP TABLE "Sales Dept"."My ""Orders"""; --']);
    expect(all[0]!.job).toEqual({ 'order no': 1 });
    for (const i of [0, 3, 4, 27]) expect(await rows({ table: ARGS.table, key: 'placed,Region', columns: 'order no' }, all[i]!.cursor as string[])).toEqual(all.slice(i + 1));
  });

  it('splices where= as written, binding where-params= (a quote in a value is a value)', async () => {
    const got = await rows({ ...ARGS, columns: 'order no', where: `"Region" = $1 AND "order no" > $2`, 'where-params': JSON.stringify(['O\'Brien\'); DROP TABLE "Sales Dept"."My ""Orders"""; --', 5]) });
    expect(got.map(({ job }) => job)).toEqual([{ 'order no': 6 }, { 'order no': 7 }]);
    expect(await rows({ table: 'plain', key: 'id', where: 'v = 0', batch: '100' })).toHaveLength(250);
    expect(await countJobs({ url, table: 'plain', key: 'id', where: 'v = $1', 'where-params': '[3]' })).toBe(250);
    expect(await countJobs({ url, ...ARGS })).toBe(28);
    expect(await countJobs({ url, ...ARGS, count: 'false' })).toBeNaN();
  });

  it('pages a bigint key (as text) across full and partial pages', async () => {
    const got = await rows({ table: 'plain', key: 'id', batch: '1000' });
    expect(got.map(({ cursor }) => cursor)).toEqual(Array.from({ length: 2500 }, (_, i) => [String(i + 1)]));
    expect(got[0]!.job).toEqual({ id: '1', v: 1 });
  });

  it('connects with the libpq PG* variables when there is no url=', async () => {
    const at = new URL(url);
    const saved = { ...process.env };
    Object.assign(process.env, { PGHOST: at.hostname, PGPORT: at.port, PGUSER: decodeURIComponent(at.username), PGDATABASE: at.pathname.slice(1) });
    try {
      expect(await collect(getJobs(undefined, { table: 'plain', key: 'id', where: 'id < 3' }))).toHaveLength(2);
    } finally {
      process.env = saved;
    }
  });

  it('says a NULL or repeated key, rather than skip rows', async () => {
    await withClient(url, (client) => client.query('CREATE TABLE loose (k int, v int); INSERT INTO loose VALUES (1, 1), (2, 2), (2, 3), (NULL, 4)'));
    await expect(rows({ table: 'loose', key: 'k' })).rejects.toThrow(new UsageError('pg source: two rows have the key (k) = (2): `key=` must be unique, such as the primary key'));
    await expect(rows({ table: 'loose', key: 'k', where: 'v = 4' })).rejects.toThrow(/a row has a NULL in its key \(k\) = \(NULL\)/);
  });

  it('passes PostgreSQL’s own word on a table or column that is not there', async () => {
    await expect(rows({ table: 'plain', key: 'ID' })).rejects.toThrow('column "ID" does not exist');
    await expect(rows({ table: 'My "Orders"', key: 'id' })).rejects.toThrow('relation "My "Orders"" does not exist');
  });
});

describe('the pg source’s words', () => {
  it.each([
    [{ key: 'id' }, 'pg source: needs `table=` (the table, schema-qualified if need be)'],
    [{ table: 't' }, 'pg source: needs `key=` (its unique NOT NULL key: a column, or columns a,b)'],
    [{ table: 'a.b.c', key: 'id' }, 'pg source: expected `table=` to be table or schema.table, got 3 names'],
    [{ table: 't', key: '"id' }, 'pg source: cannot read `key=`: an unterminated "quoted" name at character 1'],
    [{ table: 't', key: 'id', batch: '0' }, 'pg source: expected `batch=` to be an integer from 1 to 1000000, got `0`'],
    [{ table: 't', key: 'id', where: 'a = $1', 'where-params': '{"a":1}' }, 'pg source: expected `where-params=` to be a JSON array of strings, numbers, booleans or nulls, got `{"a":1}`'],
    [{ table: 't', key: 'id', 'where-params': '[1]' }, 'pg source: `where-params=` binds the `$1`… of a `where=`, and there is none'],
    [{ table: 't', key: 'id', limit: '5' }, 'pg source: unknown argument `limit=`; it takes `url=`, `table=`, `key=`, `columns=`, `where=`, `where-params=`, `batch=`, `count=`'],
  ])('refuses %j with one line, before connecting', (args, message) => {
    expect(() => getJobs(undefined, args)).toThrow(new UsageError(message));
  });

  it('refuses a cursor of another key', () => {
    expect(() => getJobs(['1'], { table: 't', key: 'a,b' })).toThrow(/the state's cursor \["1"\] is no key of 2 columns: was `key=` changed\?/);
  });
});

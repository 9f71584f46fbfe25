import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, freshDatabase, reachablePostgres, withClient } from '../helpers/postgres.js';
import { libpqEnv } from '../helpers/libpq-env.js';
import { descendantPids, ROOT, runBin } from '../helpers/processes.js';
import { recordedLedger } from '../helpers/state.js';
import { useTestDir } from '../helpers/test-dir.js';

const server = await reachablePostgres('test/examples/pg-migrate.test.ts');
const EXAMPLE = join(ROOT, 'examples', 'pg-migrate');
const ROWS = 1_000_000;

/** Whether a process is still there. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(server === undefined)('examples/pg-migrate', () => {
  const dir = useTestDir();
  let url = '';
  beforeAll(async () => {
    url = await freshDatabase(server!);
    await withClient(url, async (client) => {
      await client.query(readFileSync(join(EXAMPLE, 'schema.sql'), 'utf8'));
      await client.query(`INSERT INTO users_v1 SELECT n, 'First' || n, 'Last' || n, 'User' || n || '@Example' || (n % 7) || '.com',
        timestamptz '2020-01-01 00:00:00+00' + n * interval '37 minutes' FROM generate_series(1, ${ROWS}) n`);
    });
  });
  afterAll(async () => {
    if (url !== '') await dropDatabase(url);
  });

  it('copies a million rows into users_v2 exactly once, reshaped, across a kill -9 of the master half way', async () => {
    const state = join(dir.path, 'migrate.state.json');
    const args = ['--source', 'taskmaster-ts/sources/pg', join(EXAMPLE, 'migrate.ts'), '1', 'table=users_v1', 'key=id', '--concurrency', '64', '--state', state, '--no-progress'];
    const env = libpqEnv(url);
    const first = runBin('tm-run', args, { cwd: dir.path, env });
    await expect.poll(() => recordedLedger(state).finished, { timeout: 90_000, interval: 50 }).toBeGreaterThanOrEqual(ROWS / 2);
    const slaves = descendantPids(first.child.pid!);
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Its slaves see their supervisor gone and leave; none may write beside the resumed run.
    await expect.poll(() => slaves.filter(alive), { timeout: 30_000 }).toEqual([]);
    const heard = recordedLedger(state);
    expect(heard.finished).toBeLessThan(ROWS);
    // The cursor is users_v1's key as text: the id of the last row of the finished prefix.
    expect(heard.lastCursor).toEqual([String(heard.watermark)]);

    const resumed = runBin('tm-run', args, { cwd: dir.path, env });
    expect(await resumed.exited, resumed.stderr).toEqual({ code: 0, signal: null });
    expect(resumed.stderr).toMatch(`resuming at seq ${heard.watermark}, ${heard.finished} finished`);
    expect(resumed.stdout).toMatch(new RegExp(`finished: ${ROWS - heard.finished} jobs done, 0 dead-lettered .*; ${ROWS} of ${ROWS} finished over the whole run`));

    const { rows } = await withClient(url, (client) =>
      client.query<{ v1: number; v2: number; ids: number; right: number }>(`SELECT
        (SELECT count(*) FROM users_v1)::int AS v1, (SELECT count(*) FROM users_v2)::int AS v2,
        (SELECT count(DISTINCT id) FROM users_v2)::int AS ids,
        (SELECT count(*) FROM users_v1 o JOIN users_v2 n USING (id) WHERE n.full_name = o.first_name || ' ' || o.last_name
           AND n.email = lower(o.email) AND n.email_domain = split_part(lower(o.email), '@', 2)
           AND n.signed_up = (o.created_at AT TIME ZONE 'UTC')::date)::int AS right`),
    );
    expect(rows[0]).toEqual({ v1: ROWS, v2: ROWS, ids: ROWS, right: ROWS });
  }, 240_000);
});

/**
 * Keyset resume with `withCursor`: pages through rows ordered by id, the way a migration
 * pages through a table (`SELECT … WHERE id > $last ORDER BY id LIMIT 1000`). Here the "table"
 * is every third number below n; on resume `last` is the id of the last row of the finished
 * prefix, so the next page starts right after it.
 *
 *   npx tm-run examples/keyset.ts 2 n=300000
 */
import { withCursor } from 'taskmaster-ts';

interface Row {
  readonly id: number;
  readonly name: string;
}

/** One page of rows with id > after, as a database would return it. */
async function fetchPage(after: number, limit: number, n: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (let id = (Math.floor(after / 3) + 1) * 3; id < n && rows.length < limit; id += 3) rows.push({ id, name: `row-${id}` });
  return rows;
}

export async function* getJobs(last: number | undefined, args: Record<string, string> = {}): AsyncGenerator<unknown> {
  const n = Number(args.n ?? 300_000);
  let after = last ?? -1;
  for (;;) {
    const page = await fetchPage(after, 1000, n);
    if (page.length === 0) return;
    for (const row of page) yield withCursor(row, row.id);
    after = page[page.length - 1]!.id;
  }
}

/** Pretend to migrate one row. */
export function handleJob(row: Row): string {
  return row.name.toUpperCase();
}

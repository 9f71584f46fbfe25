/**
 * The SQL of the `pg` source: keyset pages, `WHERE (key) > (last key) ORDER BY key LIMIT n`, with
 * every identifier quoted and every value a bound parameter. The user's `where=` is the one
 * piece spliced as written: it is SQL by intent, and its values are bound (`$1`… from `where-params=`).
 */
import { quoteIdentifier } from './pg-identifiers.js';

/** What the pages are of. */
export interface KeysetTable {
  /** The table's name, schema first when qualified. */
  readonly table: readonly string[];
  /** The key columns, in ORDER BY order: unique and NOT NULL together. */
  readonly key: readonly string[];
  /** The columns each row holds; undefined for all (`*`). */
  readonly columns: readonly string[] | undefined;
  /** A SQL condition, spliced in parentheses as given; its `$1`… are `whereParams`. */
  readonly where: string | undefined;
  readonly whereParams: readonly unknown[];
}

/** The column alias under which the key's columns come back as text, the cursor's form. */
const KEY_ALIAS = 'taskmaster_key_';

/**
 * The query for the page after `after` (the key's values as text; undefined for the first page)
 * and its parameters. Key values travel as text and are compared as the columns' own types, so a
 * key resumes exactly whatever its type (timestamps to the microsecond, numeric to the digit).
 */
export function pageQuery(spec: KeysetTable, after: readonly string[] | undefined, limit: number): { text: string; values: unknown[] } {
  const key = spec.key.map(quoteIdentifier);
  const values: unknown[] = [...spec.whereParams];
  const conditions = spec.where === undefined ? [] : [`(${spec.where})`];
  if (after !== undefined) {
    const placeholders = after.map((value) => `$${values.push(value)}`);
    conditions.push(`(${key.join(', ')}) > (${placeholders.join(', ')})`);
  }
  const columns = spec.columns === undefined ? '*' : spec.columns.map(quoteIdentifier).join(', ');
  const keyText = key.map((column, i) => `${column}::text AS ${KEY_ALIAS}${i}`).join(', ');
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const text = `SELECT ${columns}, ${keyText} FROM ${tableName(spec)}${where} ORDER BY ${key.join(', ')} LIMIT $${values.push(limit)}`;
  return { text, values };
}

/** The query counting the rows the pages hold. */
export function countQuery(spec: KeysetTable): { text: string; values: unknown[] } {
  const where = spec.where === undefined ? '' : ` WHERE (${spec.where})`;
  return { text: `SELECT count(*)::bigint AS n FROM ${tableName(spec)}${where}`, values: [...spec.whereParams] };
}

function tableName(spec: KeysetTable): string {
  return spec.table.map(quoteIdentifier).join('.');
}

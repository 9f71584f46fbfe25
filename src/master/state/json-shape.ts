/** Narrowing checks for JSON read back from state files: each throws a `ShapeError` saying what is wrong. */

/** A value in a state file that does not have the shape it must have. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/** Throws a `ShapeError` with `reason`. */
export function fail(reason: string): never {
  throw new ShapeError(reason);
}

/** `value` as a plain JSON object. */
export function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is not an object`);
  return value as Record<string, unknown>;
}

/** `value` as an array. */
export function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) fail(`${what} is not an array`);
  return value;
}

/** `value` as a safe integer >= `min`. */
export function integer(value: unknown, what: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(`${what} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `value` as a string. */
export function string(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`${what} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** `value` as a string, or undefined when absent. */
export function optionalString(value: unknown, what: string): string | undefined {
  return value === undefined ? undefined : string(value, what);
}

/** `value` as a boolean. */
export function boolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail(`${what} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** `value` as an object of string values, e.g. job args. */
export function stringRecord(value: unknown, what: string): Record<string, string> {
  const record = object(value, what);
  for (const [key, entry] of Object.entries(record)) string(entry, `${what}.${key}`);
  return record as Record<string, string>;
}

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

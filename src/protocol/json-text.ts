/**
 * Values as plain JSON text, for the results and channel files (each line must parse back as the
 * `jsonl` source of a next run): what msgpack brought that JSON has no word for is written as the
 * nearest JSON, never as an exception or a silent `{}`.
 */

/**
 * `value` as JSON: BigInts as decimal strings, Maps as objects (entries when a key is not a
 * string), Sets as arrays, binary as `{"base64": …}`, non-finite numbers as strings, Dates as
 * ISO strings, `undefined` as null.
 */
export function jsonText(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  // JSON.stringify without a replacer is twice as fast; most results are plain JSON already.
  return (isPlainJson(value, 0) ? JSON.stringify(value) : JSON.stringify(value, plain)) ?? 'null';
}

/** Nesting past which a value is not looked into, and takes the slow path (which handles anything). */
const SHALLOW = 8;

/** Whether JSON.stringify renders `value` as it is, without the replacer: plain objects, arrays, strings, finite numbers, booleans, null. */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth === SHALLOW) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) return (value as unknown[]).every((item) => isPlainJson(item, depth + 1));
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

function plain(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return value;
  // A Buffer has become `{ type, data }` by its toJSON before it gets here: look at what it was.
  const original = (this as Record<string, unknown>)[key];
  if (ArrayBuffer.isView(original)) return { base64: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
  if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>).entries()];
    return entries.every(([k]) => typeof k === 'string') ? Object.fromEntries(entries) : entries;
  }
  if (value instanceof Set) return [...(value as Set<unknown>)];
  return value;
}

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
  return JSON.stringify(value, plain) ?? 'null';
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

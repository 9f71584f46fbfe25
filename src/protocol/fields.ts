/**
 * The checks every decoder of the wire is made of: each takes `unknown` and returns it narrowed,
 * or throws `Invalid` with a reason naming the field (never the peer's data unquoted).
 */

/** Most items one batch may carry: a bound on what a hostile peer can make us allocate. */
export const MAX_BATCH = 100_000;
const MAX_TEXT = 64 * 1024;

/** A refusal: `decode` turns it into `{ ok: false, reason }`. */
export class Invalid extends Error {}

export function fail(reason: string): never {
  throw new Invalid(reason);
}

export function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) {
    fail(`${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

export function int(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${what} must be a finite number >= 0`);
  return value;
}

export function text(value: unknown, what: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length > max) fail(`${what} must be a string of at most ${max} characters`);
  return value;
}

/** Text that ends up in log lines (ids, host names, reasons): one line, no terminal escapes. */
export function line(value: unknown, what: string, max: number): string {
  const s = text(value, what, max);
  if (/[\p{Cc}\u2028\u2029]/u.test(s)) fail(`${what} must not contain control characters`);
  return s;
}

export function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail(`${what} must be a boolean`);
  return value;
}

export function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value) || value.length > MAX_BATCH) fail(`${what} must be an array of at most ${MAX_BATCH} items`);
  return value;
}

/** A sha256 in hex, as bundles are named: 64 lowercase hex digits. */
export function sha256Hex(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) fail(`${what} must be a sha256 as 64 lowercase hex digits`);
  return value;
}

/** Peer bytes quoted for a reason: printable ASCII as is, anything else escaped. */
export function quote(peerText: string): string {
  return `"${peerText.replace(/[^\x20-\x7e]|["\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`;
}

/** `value`, which must be binary (msgpack's bin: a Buffer, or another Uint8Array). */
export function bytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(`${what} must be binary`);
  return value;
}

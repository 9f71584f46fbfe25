/**
 * A dead letter, one JSON line per job that ran out of retries, exact enough to run again: the
 * record, where its file lives, and its line (the job rendered for people, and packed exactly).
 */
import { basename, dirname, join } from 'node:path';
import { pack } from '../../protocol/codec.js';
import type { Cursor } from '../../task/task.js';

/** A job that failed on every attempt. */
export interface DeadLetter {
  seq: number;
  cursor?: Cursor;
  job: unknown;
  attempts: number;
  error: { message: string; name?: string; stack?: string };
  slave?: string;
  /** When it last failed (ISO 8601); a new record is stamped as it is written. */
  at?: string;
}

/** `<dir>/<name>.dead-letter.jsonl` beside the state file `<dir>/<name>.state.json`. */
export function deadLetterPath(statePath: string): string {
  const name = basename(statePath).replace(/(\.state)?\.json$/, '');
  return join(dirname(statePath), `${name}.dead-letter.jsonl`);
}

/** One line: the record, `job` rendered readably, `packed` the exact msgpack in base64, `at` now. */
export function encodeDeadLetter(record: DeadLetter, now = new Date()): string {
  const { seq, cursor, job, attempts, error, slave, at } = record;
  const line = {
    seq,
    ...(cursor === undefined ? {} : { cursor }),
    attempts,
    error: { message: error.message, ...(error.name === undefined ? {} : { name: error.name }), ...(error.stack === undefined ? {} : { stack: error.stack }) },
    ...(slave === undefined ? {} : { slave }),
    at: at ?? now.toISOString(),
    job: readable(job, new Set()),
    packed: pack(job).toString('base64'),
  };
  return `${JSON.stringify(line)}\n`;
}

/** A JSON rendering of any job for people: BigInts as digits, Buffers as base64, Maps as objects. */
function readable(value: unknown, ancestors: Set<object>): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value === undefined) return null;
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (ArrayBuffer.isView(value)) return { base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (ancestors.has(value)) return '[Circular]';
  ancestors.add(value);
  let out: unknown;
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v]) => [readable(k, ancestors), readable(v, ancestors)] as const);
    out = entries.every(([k]) => typeof k === 'string') ? Object.fromEntries(entries) : entries;
  } else if (value instanceof Set || Array.isArray(value)) {
    out = [...value].map((item: unknown) => readable(item, ancestors));
  } else {
    out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v, ancestors)]));
  }
  ancestors.delete(value);
  return out;
}

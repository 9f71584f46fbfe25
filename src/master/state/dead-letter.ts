/** The dead-letter file: one JSON line per job that ran out of retries, exact enough to run again. */
import { basename, dirname, join } from 'node:path';
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync } from 'node:fs';
import { StateError } from '../../common/errors.js';
import { pack, unpack } from '../../protocol/codec.js';
import type { Cursor } from '../../task/task.js';
import { appendWhole } from './append-whole.js';
import { writeFileAtomic } from './atomic-write.js';
import { fail, integer, object, optionalString, ShapeError, string } from './json-shape.js';

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

/**
 * Reads a dead-letter file back (for --retry-failed): exact jobs, one per seq (the last wins), by
 * seq. A last line without its newline is a write the process died in: skipped, or with
 * `refuseTornEnd` a StateError, for a reader that must account for every record.
 */
export function readDeadLetters(path: string, { refuseTornEnd = false } = {}): DeadLetter[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StateError(`could not read dead-letter file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const lines = text.split('\n');
  const torn = lines.pop();
  if (refuseTornEnd && torn !== undefined && torn !== '') {
    throw new StateError(
      `dead-letter file ${path} ends in a torn line (line ${lines.length + 1}, no newline: a write was cut short); nothing was changed. If a master was killed as it wrote it, resume the run without --retry-failed first (that job never counted as failed, so it runs again); otherwise restore the file`,
    );
  }
  const bySeq = new Map<number, DeadLetter>();
  for (const [i, line] of lines.entries()) {
    try {
      const record = decodeDeadLetter(line);
      bySeq.set(record.seq, record);
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      throw new StateError(`dead-letter file ${path} is corrupt at line ${i + 1} (${error.message}); fix or remove that line, or move the file away`, { cause: error });
    }
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function decodeDeadLetter(line: string): DeadLetter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`);
  }
  const record = object(parsed, 'the record');
  const error = object(record.error, 'error');
  const name = optionalString(error.name, 'error.name');
  const stack = optionalString(error.stack, 'error.stack');
  const slave = optionalString(record.slave, 'slave');
  const at = optionalString(record.at, 'at');
  let job: unknown;
  try {
    job = unpack(Buffer.from(string(record.packed, 'packed'), 'base64'));
  } catch (cause) {
    if (cause instanceof ShapeError) throw cause;
    return fail(`packed is not a msgpack job: ${(cause as Error).message}`);
  }
  return {
    seq: integer(record.seq, 'seq'),
    ...(record.cursor === undefined ? {} : { cursor: record.cursor as Cursor }),
    job,
    attempts: integer(record.attempts, 'attempts'),
    error: { message: string(error.message, 'error.message'), ...(name === undefined ? {} : { name }), ...(stack === undefined ? {} : { stack }) },
    ...(slave === undefined ? {} : { slave }),
    ...(at === undefined ? {} : { at }),
  };
}

/** Replaces the dead-letter file at `path` with `records`, atomically: a crash leaves the old file or the new one. */
export function rewriteDeadLetters(path: string, records: readonly DeadLetter[]): void {
  try {
    writeFileAtomic(path, records.map((record) => encodeDeadLetter(record)).join(''));
  } catch (error) {
    throw new StateError(`could not rewrite dead-letter file ${path}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
  }
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

/** The dead-letter file a run appends to, opened on its first record. */
export class DeadLetterFile {
  readonly path: string;
  #fd: number | undefined;
  /** The file's length: where a write that fails is cut back to. */
  #size = 0;

  constructor(path: string) {
    this.path = path;
  }

  /**
   * Appends `record` whole and fsyncs: it must be durable before the ledger counts the job
   * finished. A short write is carried on until every byte is in; one that fails is cut back.
   */
  write(record: DeadLetter): void {
    const line = Buffer.from(encodeDeadLetter(record));
    try {
      if (this.#fd === undefined) {
        this.#fd = openForAppend(this.path);
        this.#size = fstatSync(this.#fd).size;
      }
      appendWhole(this.#fd, line, this.#size);
      this.#size += line.length;
      fsyncSync(this.#fd);
    } catch (error) {
      // Reopening cuts off whatever part of the line a failed cut-back left.
      this.close();
      throw new StateError(`could not write dead-letter file ${this.path}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
    }
  }

  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Cuts off a torn last line of the dead-letter file at `path`, if there is one; true when it did.
 * (Its record was being written as a master died: its job never counted as failed, and runs again.)
 */
export function cutTornEnd(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r+');
  try {
    return cutTornLine(fd);
  } finally {
    closeSync(fd);
  }
}

/** Opens `path` to append, first cutting off a torn last line so the next record starts clean. */
function openForAppend(path: string): number {
  const fd = openSync(path, 'a+', 0o644);
  try {
    cutTornLine(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** Truncates the file open as `fd` after its last newline; true when that cut anything. */
function cutTornLine(fd: number): boolean {
  let end = fstatSync(fd).size;
  const size = end;
  const chunk = Buffer.alloc(64 * 1024);
  while (end > 0) {
    const length = Math.min(chunk.length, end);
    readSync(fd, chunk, 0, length, end - length);
    const newline = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (newline >= 0) {
      end = end - length + newline + 1;
      break;
    }
    end -= length;
  }
  if (end === size) return false;
  ftruncateSync(fd, end);
  return true;
}

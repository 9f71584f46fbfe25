/**
 * The dead-letter file a run appends to, each record whole and durable before its job counts
 * failed; and the repair of a torn last line a master died writing.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { StateError } from '../../common/errors.js';
import { appendWhole } from './append-whole.js';
import { encodeDeadLetter, type DeadLetter } from './dead-letter-record.js';

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

/**
 * One output file of a run (`--results`, or a channel's): appended a batch of lines at a time,
 * and on resume cut back to the length the state counts, so that it holds each finished job's
 * output exactly once.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync } from 'node:fs';
import { StateError } from '../../common/errors.js';
import { appendWhole } from '../state/append-whole.js';

/** Bytes of the file at `path`, 0 when there is none. */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new StateError(`could not read output file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Whether the file at `path` holds at least `bytes` bytes, whole lines: the byte before `bytes` is a newline. */
export function holds(path: string, bytes: number): boolean {
  if (bytes === 0) return true;
  if (sizeOf(path) < bytes) return false;
  const fd = openSync(path, 'r');
  try {
    const last = Buffer.alloc(1);
    return readSync(fd, last, 0, 1, bytes - 1) === 1 && last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** An output file open to append, its length that of whole lines written. */
export class JsonlFile {
  readonly path: string;
  readonly #fd: number;
  #bytes: number;

  /** Opens `path` (creating it) and cuts it to `bytes`: what lies beyond is no finished job's. Returns the bytes cut too. */
  static open(path: string, bytes: number): { file: JsonlFile; cut: number } {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'a', 0o644);
      const size = fstatSync(fd).size;
      if (size > bytes) ftruncateSync(fd, bytes);
      return { file: new JsonlFile(path, fd, bytes), cut: Math.max(size - bytes, 0) };
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      throw writeError(`open ${path}`, error);
    }
  }

  private constructor(path: string, fd: number, bytes: number) {
    this.path = path;
    this.#fd = fd;
    this.#bytes = bytes;
  }

  /** Bytes of whole lines in the file. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends `text` (whole lines); a failed write is cut back, so no torn line sits before the next. */
  append(text: string): void {
    const bytes = Buffer.from(text);
    try {
      // A resume cuts the file back to what the state counts, should the cut-back fail too.
      appendWhole(this.#fd, bytes, this.#bytes);
    } catch (error) {
      throw writeError(`append to ${this.path}`, error);
    }
    this.#bytes += bytes.length;
  }

  sync(): void {
    try {
      fsyncSync(this.#fd);
    } catch (error) {
      throw writeError(`fsync ${this.path}`, error);
    }
  }

  close(): void {
    try {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
    } catch (error) {
      throw writeError(`close ${this.path}`, error);
    }
  }
}

function writeError(action: string, error: unknown): StateError {
  return new StateError(`could not ${action}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
}

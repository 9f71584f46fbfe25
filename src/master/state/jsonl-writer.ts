/**
 * A file a run only ever appends whole lines to, the layer under the completion log and the output
 * files: one write an append, cut back if it fails, so no torn line sits before a good one, and a
 * length that counts whole lines only (what the state records of an output file).
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync } from 'node:fs';
import { StateError } from '../../common/errors.js';
import { appendWhole } from './append-whole.js';
import { BackgroundSync } from '../../common/background-sync.js';

/** Options of `JsonlWriter.open`. */
export interface JsonlWriterOptions {
  /** How error messages name the file ("could not fsync <name>: …"). @default the path */
  readonly name?: string;
  /** Cut a longer file to this many bytes first: what lies beyond is no finished job's. @default keep it all */
  readonly cutTo?: number;
}

/** An append-only file of lines, open until `close()`; every failure is a StateError `E_STATE_WRITE`. */
export class JsonlWriter {
  readonly path: string;
  readonly #name: string;
  readonly #fd: number;
  /** Bytes of whole lines: a failed write is cut back to it. */
  #bytes: number;
  /** Syncs as the file grows, so that `sync` (each snapshot's) has little left to do. */
  readonly #background: BackgroundSync;

  /** Opens `path` to append (creating it, mode 0644); `cut` is how many bytes `cutTo` took off. */
  static open(path: string, { name = path, cutTo }: JsonlWriterOptions = {}): { file: JsonlWriter; cut: number } {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'a', 0o644);
      const size = fstatSync(fd).size;
      const bytes = cutTo ?? size;
      if (size > bytes) ftruncateSync(fd, bytes);
      return { file: new JsonlWriter(path, name, fd, bytes), cut: Math.max(size - bytes, 0) };
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      throw writeError('open', name, error);
    }
  }

  private constructor(path: string, name: string, fd: number, bytes: number) {
    this.path = path;
    this.#name = name;
    this.#fd = fd;
    this.#bytes = bytes;
    this.#background = new BackgroundSync(fd);
  }

  /** Bytes of whole lines in the file. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends `text` (whole lines) in a single write; nothing for ''. */
  append(text: string): void {
    const bytes = Buffer.from(text);
    if (bytes.length === 0) return;
    try {
      // Should the cut-back fail too, the next start cuts or ignores the torn tail.
      appendWhole(this.#fd, bytes, this.#bytes);
    } catch (error) {
      throw writeError('append to', this.#name, error);
    }
    this.#bytes += bytes.length;
    this.#background.wrote(bytes.length);
  }

  /** Makes every appended line durable (a background sync that failed fails it too). */
  sync(): void {
    try {
      if (this.#background.error !== undefined) throw this.#background.error;
      fsyncSync(this.#fd);
    } catch (error) {
      throw writeError('fsync', this.#name, error);
    }
  }

  /** Empties the file. */
  truncate(): void {
    try {
      ftruncateSync(this.#fd, 0);
      this.#bytes = 0;
    } catch (error) {
      throw writeError('truncate', this.#name, error);
    }
  }

  /** Closes the file, with `sync` first making its lines durable (a failure of either is one to close). */
  close({ sync = false } = {}): void {
    try {
      if (sync && this.#background.error !== undefined) throw this.#background.error;
      if (sync) fsyncSync(this.#fd);
      closeSync(this.#fd);
    } catch (error) {
      throw writeError('close', this.#name, error);
    }
  }
}

function writeError(action: string, name: string, error: unknown): StateError {
  return new StateError(`could not ${action} ${name}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
}

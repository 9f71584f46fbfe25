/** Counting the lines of a growing record file cheaply: each look reads only what was appended. */
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;

/** The lines (job runs) of the record at `path`, read incrementally. */
export class RecordCounter {
  readonly path: string;
  readonly #buffer = Buffer.alloc(CHUNK);
  #fd: number | undefined;
  #offset = 0;
  #lines = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Lines in the record now; a record not yet created has none. */
  lines(): number {
    if (!this.#open()) return 0;
    for (;;) {
      const read = readSync(this.#fd!, this.#buffer, 0, CHUNK, this.#offset);
      if (read === 0) return this.#lines;
      this.#offset += read;
      for (let at = this.#buffer.indexOf(10); at !== -1 && at < read; at = this.#buffer.indexOf(10, at + 1)) this.#lines++;
    }
  }

  /** Bytes in the record now: a line boundary, since every line is one O_APPEND write. */
  bytes(): number {
    this.lines();
    return this.#offset;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): boolean {
    if (this.#fd !== undefined) return true;
    try {
      this.#fd = openSync(this.path, 'r');
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}

/**
 * JSON lines written straight into Buffers, a chunk at a time: no string per line, no garbage
 * per job. For the job log, whose lines are mostly numbers: a line costs about a hundred byte
 * writes, where a template string costs a dozen strings and a number-to-text conversion each.
 */

/** Longest line `ascii`, `int` and `fixed3` can write past `CHUNK`; `bytes` makes its own room. */
const MAX_LINE = 4096;
/** Integers below this are written in int32 arithmetic (`| 0`): 10^9. */
const SMALL = 1_000_000_000;

export class LineBuffer {
  readonly #chunk: number;
  readonly #onChunk: (buffer: Buffer, length: number) => void;
  /** Buffers given back (`reuse`) once their bytes are written: a run's lines go round a few buffers. */
  readonly #free: Buffer[] = [];
  #buffer: Buffer;
  #at = 0;

  /**
   * Chunks of about `chunk` bytes are handed to `onChunk` as they fill: a buffer of their own and
   * how many of its bytes are lines. Give it back with `reuse` once they are written.
   */
  constructor(chunk: number, onChunk: (buffer: Buffer, length: number) => void) {
    this.#chunk = chunk;
    this.#onChunk = onChunk;
    this.#buffer = this.#take();
  }

  /** Takes back a buffer handed over, for more lines. */
  reuse(buffer: Buffer): void {
    if (buffer.length === this.#chunk + MAX_LINE && this.#free.length < 4) this.#free.push(buffer);
  }

  /** Bytes written and not yet handed over. */
  get length(): number {
    return this.#at;
  }

  /** Writes ASCII text (a constant part of a line). */
  ascii(text: string): void {
    const buffer = this.#buffer;
    let at = this.#at;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.#at = at;
  }

  /** Writes bytes written before, such as a JSON string met once per report. */
  bytes(bytes: Uint8Array): void {
    if (this.#at + bytes.length > this.#buffer.length) this.#grow(bytes.length);
    this.#buffer.set(bytes, this.#at);
    this.#at += bytes.length;
  }

  /** Writes a non-negative integer (up to 2^53); anything else as `null`. */
  int(n: number): void {
    if (!(n >= 0) || n > Number.MAX_SAFE_INTEGER) return this.ascii('null');
    n = Math.floor(n);
    if (n < SMALL) return this.#small(n);
    // Epoch milliseconds and big seqs: the high part, then the low 9 digits, each in int32 arithmetic.
    this.#small(Math.floor(n / SMALL));
    this.#padded9(n % SMALL);
  }

  /** Writes an integer from 0 to SMALL - 1. */
  #small(n: number): void {
    const buffer = this.#buffer;
    let digits = 1;
    for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
    let at = this.#at + digits;
    this.#at = at;
    do {
      buffer[--at] = 48 + (n % 10);
      n = (n / 10) | 0;
    } while (n > 0);
  }

  /** Writes an integer from 0 to SMALL - 1 as 9 digits, zeros first. */
  #padded9(n: number): void {
    const buffer = this.#buffer;
    let at = this.#at + 9;
    this.#at = at;
    for (let i = 0; i < 9; i++) {
      buffer[--at] = 48 + (n % 10);
      n = (n / 10) | 0;
    }
  }

  /** Writes a number >= 0 with three decimals (`0.125`); anything else as `null`. */
  fixed3(x: number): void {
    const thousandths = Math.round(x * 1000);
    if (!(thousandths >= 0) || thousandths > Number.MAX_SAFE_INTEGER) return this.ascii('null');
    this.int(Math.floor(thousandths / 1000));
    const frac = thousandths % 1000;
    const buffer = this.#buffer;
    buffer[this.#at] = 46;
    buffer[this.#at + 1] = 48 + Math.floor(frac / 100);
    buffer[this.#at + 2] = 48 + (Math.floor(frac / 10) % 10);
    buffer[this.#at + 3] = 48 + (frac % 10);
    this.#at += 4;
  }

  /** Ends a line; hands the chunk over once it is full. */
  endLine(): void {
    this.#buffer[this.#at++] = 10;
    if (this.#at >= this.#chunk) this.flush();
  }

  /** Hands over what is written, if anything. */
  flush(): void {
    if (this.#at === 0) return;
    const full = this.#buffer;
    const length = this.#at;
    this.#buffer = this.#take();
    this.#at = 0;
    this.#onChunk(full, length);
  }

  #take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafe(this.#chunk + MAX_LINE);
  }

  /** Room for `bytes` more: a long error message gets a buffer of its own size. */
  #grow(bytes: number): void {
    const bigger = Buffer.allocUnsafe(this.#at + bytes + MAX_LINE);
    this.#buffer.copy(bigger, 0, 0, this.#at);
    this.#buffer = bigger;
  }
}

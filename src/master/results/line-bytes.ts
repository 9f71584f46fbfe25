/**
 * The results file's lines of one report, written as bytes into one buffer that is used again for
 * the next: a slave's JSON text (DONE's `resultLines`) is copied in as the bytes it came as, never
 * decoded into a string and encoded back. Short ASCII text and integers are written a byte at a
 * time, which costs less than a call into Buffer's UTF-8 encoder per piece of a line.
 */
export class LineBytes {
  #buffer = Buffer.allocUnsafe(64 * 1024);
  #at = 0;

  /** Bytes written since the last `take`. */
  get length(): number {
    return this.#at;
  }

  /** Writes `text` as UTF-8. */
  text(text: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    this.#room(3 * text.length);
    const buffer = this.#buffer;
    let at = this.#at;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        this.#at += buffer.write(text, this.#at);
        return;
      }
      buffer[at++] = code;
    }
    this.#at = at;
  }

  /** Writes a non-negative safe integer in decimal. */
  int(n: number): void {
    this.#room(16);
    const buffer = this.#buffer;
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.#at + digits;
    this.#at = at;
    do {
      buffer[--at] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /** Copies `bytes[start, end)` as they are. */
  slice(bytes: Buffer, start: number, end: number): void {
    this.#room(end - start);
    // Buffer's copy, though it makes a view per call: a loop of byte copies measured twice as slow.
    this.#at += bytes.copy(this.#buffer, this.#at, start, end);
  }

  /** Writes one byte. */
  byte(code: number): void {
    this.#room(1);
    this.#buffer[this.#at++] = code;
  }

  /** The bytes written, a view valid until the next write; the next write starts over. */
  take(): Buffer {
    const written = this.#buffer.subarray(0, this.#at);
    this.#at = 0;
    return written;
  }

  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return;
    const bigger = Buffer.allocUnsafe(2 * (this.#at + bytes));
    this.#buffer.copy(bigger, 0, 0, this.#at);
    this.#buffer = bigger;
  }
}

/**
 * Lines of a file read from a byte offset: the file is opened and read from that position, never
 * from its start, so resuming near the end of a 50 GB file costs what resuming near its start does.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { UsageError } from '../common/errors.js';

/** Where a line of the file is; what a `lines` or `jsonl` job is resumed by. */
export type LineCursor = {
  /** The byte offset just past the line and its newline: where the next line starts. */
  readonly offset: number;
  /** Its number in the file, 1 for the first line. */
  readonly line: number;
};

/** One line as read: its text without the newline (nor a CR before it), and its cursor. */
export interface TextLine {
  readonly text: string;
  readonly cursor: LineCursor;
}

/** The encodings in which every newline is the byte 0x0A and no other character contains it. */
export const LINE_ENCODINGS = ['utf8', 'utf-8', 'latin1', 'binary', 'ascii'] as const;
export type LineEncoding = (typeof LINE_ENCODINGS)[number];

const NEWLINE = 0x0a;
const CR = 0x0d;
const CHUNK_BYTES = 1 << 20;
/** A line longer than this is no line of a text file: refused before it fills the memory. */
export const MAX_LINE_BYTES = 64 << 20;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Refuses a file that cannot be read, as the source is called (before its first job, and before
 * the master says it listens): a missing data file is one usage error, not a run that fails.
 */
export function checkReadable(path: string, source: string): void {
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${source} source: \`${path}\` is a directory, not a file of lines`);
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw error instanceof UsageError ? error : cannotOpen(path, source, error as NodeJS.ErrnoException);
  }
}

/** The one line a file that cannot be opened is, whether found by checkReadable or by readLines. */
function cannotOpen(path: string, source: string, error: NodeJS.ErrnoException): UsageError {
  const why = error.code === 'ENOENT' ? 'no such file' : error.code === 'EACCES' ? 'permission denied' : error.message;
  return new UsageError(`${source} source: cannot open \`${path}\`: ${why}`, { cause: error });
}

/** Bytes of each file a source measured, read once: progress is asked every 250 ms. */
const sizes = new Map<string, number>();

/**
 * How far through the file at `path` a run is whose finished prefix ends at `cursor` (the bytes
 * before it against the file's size, read once); undefined for a file it cannot stat.
 */
export function fractionRead(path: string, cursor: LineCursor): number | undefined {
  let size = sizes.get(path);
  if (size === undefined) {
    try {
      size = statSync(path).size;
    } catch {
      return undefined;
    }
    sizes.set(path, size);
  }
  return size === 0 ? 1 : Math.min(1, cursor.offset / size);
}

/**
 * Yields the lines of `path` after `after` (the cursor of the last line already done; from the
 * start when undefined). A last line without a newline is a line; CRLF endings lose their CR; a
 * UTF-8 byte order mark at the start of the file is not part of the first line. `after` must
 * still be the start of a line: a file changed under a resumed run is refused, not misread.
 */
export async function* readLines(path: string, after: LineCursor | undefined, encoding: LineEncoding, source: string): AsyncGenerator<TextLine> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw cannotOpen(path, source, error);
  });
  try {
    const { size } = await file.stat();
    let position = after?.offset ?? 0;
    let line = after?.line ?? 0;
    if (after !== undefined) await checkLineStart(file, path, after, size, source);
    let pending = Buffer.alloc(0);
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      const data = pending.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([pending, chunk.subarray(0, bytesRead)]);
      const dataStart = position - pending.length;
      position += bytesRead;
      let start = 0;
      if (dataStart === 0 && data.subarray(0, 3).equals(UTF8_BOM)) start = 3;
      for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
        line++;
        yield { text: data.toString(encoding, start, end > start && data[end - 1] === CR ? end - 1 : end), cursor: { offset: dataStart + end + 1, line } };
        start = end + 1;
      }
      // Copied out: the chunk is read into again.
      pending = Buffer.from(data.subarray(start));
      if (pending.length > MAX_LINE_BYTES) throw new Error(`line ${line + 1} of ${path} is longer than ${MAX_LINE_BYTES} bytes: not a file of lines?`);
    }
    if (pending.length > 0) {
      const end = pending.at(-1) === CR ? pending.length - 1 : pending.length;
      yield { text: pending.toString(encoding, 0, end), cursor: { offset: position, line: line + 1 } };
    }
  } finally {
    await file.close();
  }
}

/** Refuses a resume whose file no longer has a line starting at the cursor (it shrank, or changed before it). */
async function checkLineStart(file: Awaited<ReturnType<typeof open>>, path: string, after: LineCursor, size: number, source: string): Promise<void> {
  const changed = `${path} changed since this run read it: byte ${after.offset}, where line ${after.line + 1} started`;
  if (after.offset > size) throw new UsageError(`${source} source: ${changed}, is past its end (${size} bytes); restore the file, or pass --reset to start over`);
  if (after.offset === 0 || after.offset === size) return;
  const before = Buffer.alloc(1);
  await file.read(before, 0, 1, after.offset - 1);
  if (before[0] !== NEWLINE) throw new UsageError(`${source} source: ${changed}, no longer follows a newline; restore the file, or pass --reset to start over`);
}

/**
 * Built-in source `taskmaster-ts/sources/lines`: one job per line of a file, `{ line, text }`
 * (`line` its number in the file, from 1; `text` without the newline, CRLF's CR dropped). Every
 * line is a job, empty ones too, so job counts and line numbers match `wc -l` (plus a last line
 * without a newline). Resumed by byte offset: a resume seeks, it never reads the part done.
 *
 *   tm-master taskmaster-ts/sources/lines path=huge.csv skip-header=true
 *   tm-slave ./handler.ts          # handleJob({ line, text }) { … }
 *
 * Args: `path=` (required), `skip-header=true` (line 1 is no job; numbers stay the file's),
 * `encoding=` (utf8, the default, latin1 or ascii).
 */
import { withCursor, type JobArgs, type WithCursor } from '../task/task.js';
import { checkReadable, fractionRead, LINE_ENCODINGS, readLines, type LineCursor, type LineEncoding } from './line-reader.js';
import { SourceArgs } from './source-args.js';

/** One line of the file: what the handler receives. */
export interface Line {
  /** Its number in the file, 1 for the first line (the header, with skip-header, is line 1). */
  readonly line: number;
  readonly text: string;
}

export type { LineCursor } from './line-reader.js';

interface LinesOptions {
  readonly path: string;
  readonly skipHeader: boolean;
  readonly encoding: LineEncoding;
}

function linesOptions(raw: JobArgs | undefined): LinesOptions {
  const args = new SourceArgs('lines', raw, ['path', 'skip-header', 'encoding']);
  const path = args.required('path', 'the file to read');
  const skipHeader = args.boolean('skip-header', false);
  const encoding = (args.optional('encoding') ?? 'utf8').toLowerCase();
  if (!(LINE_ENCODINGS as readonly string[]).includes(encoding)) {
    args.fail(`expected \`encoding=\` to be one of utf8, latin1, ascii (whose newline is the byte 0x0A), got \`${encoding}\``);
  }
  return { path, skipHeader, encoding: encoding as LineEncoding };
}

/** The lines after `last` (the cursor of the last line of the finished prefix). Checks the args before the first job. */
export function getJobs(last: LineCursor | undefined, args: JobArgs): AsyncGenerator<WithCursor<Line>> {
  const options = linesOptions(args);
  checkReadable(options.path, 'lines');
  return lines(options, last);
}

/** How far through the file the finished lines reach, by bytes: a % and an ETA without counting its lines. */
export function progressOf(cursor: LineCursor, args: JobArgs): number | undefined {
  return fractionRead(linesOptions(args).path, cursor);
}

async function* lines({ path, skipHeader, encoding }: LinesOptions, last: LineCursor | undefined): AsyncGenerator<WithCursor<Line>> {
  for await (const { text, cursor } of readLines(path, last, encoding, 'lines')) {
    if (skipHeader && cursor.line === 1) continue;
    yield withCursor({ line: cursor.line, text }, cursor);
  }
}

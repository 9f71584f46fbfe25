/**
 * Built-in source `taskmaster-ts/sources/jsonl`: one job per line of a JSON Lines file, the line's
 * parsed JSON value (blank lines are no job). A line that is not JSON is dead-lettered at once
 * (`rejectJob`) as `{ line, text }` with the parse error, `line N: …`: never sent to a slave,
 * never retried, never fatal, so one bad line costs one dead letter and the run goes on.
 * Resumed by byte offset, as the `lines` source is.
 *
 *   tm-master taskmaster-ts/sources/jsonl path=events.jsonl
 *
 * Args: `path=` (required). The file is UTF-8, as JSON is.
 */
import { rejectJob, withCursor, type JobArgs, type WithCursor } from '../task/task.js';
import { checkReadable, fractionRead, readLines, type LineCursor } from './line-reader.js';
import { SourceArgs } from './source-args.js';

/** Most characters of a malformed line kept in its dead letter. */
const KEPT_TEXT = 4096;

/** The parsed values after `last` (the cursor of the last line of the finished prefix). Checks the args before the first job. */
export function getJobs(last: LineCursor | undefined, args: JobArgs): AsyncGenerator<WithCursor<unknown>> {
  const path = new SourceArgs('jsonl', args, ['path']).required('path', 'the JSON Lines file to read');
  checkReadable(path, 'jsonl');
  return values(path, last);
}

/** How far through the file the finished lines reach, by bytes: a % and an ETA without counting its lines. */
export function progressOf(cursor: LineCursor, args: JobArgs): number | undefined {
  return fractionRead(new SourceArgs('jsonl', args, ['path']).required('path', 'the JSON Lines file to read'), cursor);
}

async function* values(path: string, last: LineCursor | undefined): AsyncGenerator<WithCursor<unknown>> {
  for await (const { text, cursor } of readLines(path, last, 'utf8', 'jsonl')) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const kept = text.length > KEPT_TEXT ? `${text.slice(0, KEPT_TEXT)}…` : text;
      yield withCursor(rejectJob({ line: cursor.line, text: kept }, { name: 'SyntaxError', message: `line ${cursor.line}: ${(error as Error).message}` }), cursor);
      continue;
    }
    yield withCursor(value, cursor);
  }
}

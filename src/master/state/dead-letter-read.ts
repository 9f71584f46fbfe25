/** Reading a dead-letter file back, each line checked (for --retry-failed). */
import { StateError } from '../../common/errors.js';
import { readOrDefault } from '../../common/read-or-default.js';
import { unpack } from '../../protocol/codec.js';
import type { Cursor } from '../../task/task.js';
import type { DeadLetter } from './dead-letter-record.js';
import { fail, integer, object, optionalString, ShapeError, string } from './json-shape.js';

/**
 * Reads a dead-letter file back (for --retry-failed): exact jobs, one per seq (the last wins), by
 * seq. A last line without its newline is a write the process died in: skipped, or with
 * `refuseTornEnd` a StateError, for a reader that must account for every record.
 */
export function readDeadLetters(path: string, { refuseTornEnd = false } = {}): DeadLetter[] {
  // No file reads as an empty one: no records.
  const lines = readOrDefault(path, '', 'dead-letter file').split('\n');
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

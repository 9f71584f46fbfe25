/** The append-only log of completions since the last snapshot: one line a batch, replayed on start. */
import { crc32 } from 'node:zlib';
import { StateError } from '../../common/errors.js';
import { readOrDefault } from '../../common/read-or-default.js';
import { JsonlWriter } from './jsonl-writer.js';
import type { Cursor } from '../../task/task.js';
import { array, fail, integer, object, ShapeError } from './json-shape.js';
import type { Ledger } from './ledger.js';
import { decodeOutputs } from './output-record.js';
import type { Completion, Outputs } from './state-types.js';

/** `[start, end, failed]` or `[start, end, failed, cursor of end]`, `failed` 0 or 1. */
type Entry = [number, number, 0 | 1] | [number, number, 0 | 1, Cursor];

/** Where the log of the state file `statePath` lives. */
export function logPath(statePath: string): string {
  return `${statePath}.log`;
}

/**
 * One log line for a batch: `<crc32 hex> <json>\n`, the json a list of ranges (sorted; consecutive
 * seqs with the same outcome joined, keeping the cursor of each range's end), or with `outputs`
 * `{"ranges": [...], "outputs": {...}}`, the output files' lengths once these jobs' output is in
 * them. '' for no completions.
 */
export function encodeBatch(completions: readonly Completion[], outputs?: Outputs): string {
  const sorted = completions.every((c, i) => i === 0 || completions[i - 1]!.seq <= c.seq)
    ? completions
    : [...completions].sort((a, b) => a.seq - b.seq);
  const entries: Entry[] = [];
  let start = 0;
  let end = -1;
  let current: Completion | undefined;
  const flush = (): void => {
    const failed = current!.failed === true ? 1 : 0;
    entries.push(current!.cursor === undefined ? [start, end, failed] : [start, end, failed, current!.cursor]);
  };
  for (const completion of sorted) {
    const last = completion.end ?? completion.seq;
    if (!Number.isSafeInteger(completion.seq) || completion.seq < 0 || !Number.isSafeInteger(last) || last < completion.seq) {
      throw new RangeError(`Expected seqs 0 <= seq <= end, got ${completion.seq}..${last}`);
    }
    if (current !== undefined && last <= end) continue;
    if (current === undefined || completion.seq > end + 1 || (completion.failed === true) !== (current.failed === true)) {
      if (current !== undefined) flush();
      start = Math.max(completion.seq, end + 1);
    }
    end = last;
    current = completion;
  }
  if (current === undefined) return '';
  flush();
  const json = JSON.stringify(outputs === undefined ? entries : { ranges: entries, outputs });
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** What replaying a log did. */
export interface Replay {
  /** Lines applied. */
  readonly applied: number;
  /** The output lengths of the last line applied that records them. */
  readonly outputs: Outputs | undefined;
  /** Lines not applied because the output they record is not in the files (see `fits`). */
  readonly dropped: number;
}

/**
 * Applies the log at `path` to `ledger`. A last line that is torn or garbled is ignored (a write
 * the process died in); a bad line before it is a StateError. A line whose output lengths do not
 * `fit` the files, and every line after it, are not applied: their jobs run again.
 */
export function replayLog(path: string, ledger: Ledger, fits: (outputs: Outputs) => boolean = () => true): Replay {
  // No log replays as an empty one: nothing applied.
  const lines = readOrDefault(path, '', 'state log').split('\n');
  // What follows the last newline is a write that never finished (or nothing).
  const torn = lines.pop() !== '';
  const last = torn ? -1 : lines.length - 1;
  let applied = 0;
  let outputs: Outputs | undefined;
  for (const [i, line] of lines.entries()) {
    let decoded: { entries: Entry[]; outputs: Outputs | undefined };
    try {
      decoded = decodeLine(line);
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      if (i === last) break;
      throw new StateError(`state log ${path} is corrupt at line ${i + 1} (${error.message}); move it away or pass --reset to start over`, { cause: error });
    }
    if (decoded.outputs !== undefined && !fits(decoded.outputs)) return { applied, outputs, dropped: lines.length - i };
    for (const [start, end, failed, cursor] of decoded.entries) ledger.finishRange(start, end, cursor, failed === 1);
    outputs = decoded.outputs ?? outputs;
    applied++;
  }
  return { applied, outputs, dropped: 0 };
}

function decodeLine(line: string): { entries: Entry[]; outputs: Outputs | undefined } {
  const space = line.indexOf(' ');
  const json = line.slice(space + 1);
  if (space !== 8 || line.slice(0, 8) !== crc32(json).toString(16).padStart(8, '0')) fail('checksum mismatch');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(parsed)) return { entries: decodeEntries(parsed), outputs: undefined };
  const { ranges, outputs } = object(parsed, 'the line');
  return { entries: decodeEntries(ranges), outputs: decodeOutputs(outputs, 'outputs') };
}

function decodeEntries(value: unknown): Entry[] {
  return array(value, 'the ranges').map((item, i): Entry => {
    const entry = array(item, `range ${i}`);
    if (entry.length !== 3 && entry.length !== 4) fail(`range ${i} must be [start, end, failed] or [start, end, failed, cursor]`);
    const start = integer(entry[0], `range ${i} start`);
    const end = integer(entry[1], `range ${i} end`, start);
    const failed = entry[2];
    if (failed !== 0 && failed !== 1) fail(`range ${i} failed flag must be 0 or 1`);
    return entry.length === 4 ? [start, end, failed, entry[3] as Cursor] : [start, end, failed];
  });
}

/** The open log a run appends its completions to. */
export class CompletionLog {
  readonly path: string;
  readonly #file: JsonlWriter;

  constructor(path: string) {
    this.path = path;
    this.#file = JsonlWriter.open(path, { name: `state log ${path}` }).file;
  }

  /**
   * Appends one line for `completions` (and the output lengths that hold their output), in a
   * single write. Should a failed one leave a torn line, the replay ignores it.
   */
  append(completions: readonly Completion[], outputs?: Outputs): void {
    this.#file.append(encodeBatch(completions, outputs));
  }

  /** Makes every appended line durable. */
  sync(): void {
    this.#file.sync();
  }

  /** Empties the log: a snapshot now holds everything in it. */
  truncate(): void {
    this.#file.truncate();
  }

  close(): void {
    this.#file.close();
  }
}

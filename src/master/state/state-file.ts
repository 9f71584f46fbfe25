/** The snapshot file: JSON a human can read, with a checksum so a garbled file is never trusted. */
import { createHash } from 'node:crypto';
import { StateError } from '../../common/errors.js';
import { readOrDefault } from '../../common/read-or-default.js';
import type { Cursor } from '../../task/task.js';
import { array, boolean, canonicalJson, fail, integer, object, ShapeError, string, stringRecord } from './json-shape.js';
import { decodeOutputs } from './output-record.js';
import type { DoneRange, LedgerSnapshot } from './ledger.js';
import type { CursorMode, RecoveredState, RunIdentity, StateExtra } from './state-types.js';

/** The `format` field of every state file. */
export const STATE_FORMAT = 'taskmaster-state';
/** The state file format this code reads and writes. */
export const STATE_VERSION = 1;

/** The text of a state file: one top-level key a line, the last one a checksum of the others. */
export function encodeState(identity: RunIdentity, ledger: LedgerSnapshot, extra: StateExtra, now = new Date()): string {
  const body = {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    identity: { module: identity.module, fn: identity.fn, args: identity.args, ...runParts(identity) },
    ledger: {
      watermark: ledger.watermark,
      ...(ledger.lastCursor === undefined ? {} : { lastCursor: ledger.lastCursor }),
      // [start, end] or [start, end, cursor]: compact, since a cursor may be any JSON value.
      doneAbove: ledger.doneAbove.map((r) => (r.cursor === undefined ? [r.start, r.end] : [r.start, r.end, r.cursor])),
      failed: ledger.failed,
    },
    cursorMode: extra.cursorMode ?? null,
    // Only for ETAs: a count that is not a whole number is not worth refusing the state over later.
    total: extra.total !== undefined && Number.isSafeInteger(extra.total) && extra.total >= 0 ? extra.total : null,
    finished: extra.finished,
    ...(extra.outputs === undefined ? {} : { outputs: extra.outputs }),
    updatedAt: now.toISOString(),
  };
  const lines = Object.entries({ ...body, checksum: checksum(body) }).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** Reads the state file at `path` for the run `identity`; undefined when there is none. */
export function readState(path: string, identity: RunIdentity): RecoveredState | undefined {
  const text = readOrDefault(path, undefined, 'state file');
  return text === undefined ? undefined : decodeState(text, path, identity);
}

/** Checks the text of a state file, field by field; throws a StateError naming `path` and `--reset`. */
export function decodeState(text: string, path: string, identity: RunIdentity): RecoveredState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw refuse(path, `is corrupt (truncated or not JSON: ${(error as Error).message})`, error);
  }
  try {
    const { checksum: sum, ...body } = object(parsed, 'the file');
    if (body.format !== STATE_FORMAT) return refuse(path, `is not a taskmaster state file (format ${JSON.stringify(body.format)})`);
    if (body.version !== STATE_VERSION) {
      return refuse(path, `has format version ${JSON.stringify(body.version)}; this taskmaster reads version ${STATE_VERSION}`);
    }
    if (sum !== checksum(body)) return refuse(path, 'is corrupt (checksum mismatch)');
    const stored = decodeIdentity(body.identity);
    if (!sameIdentity(stored, identity)) {
      throw new StateError(`state file ${path} belongs to a run of ${describe(stored)}; this run is ${describe(identity)}: pass --state with another file for it, or --reset to start that state over`);
    }
    string(body.updatedAt, 'updatedAt');
    return {
      ledger: decodeLedger(body.ledger),
      cursorMode: decodeCursorMode(body.cursorMode),
      total: body.total === null ? undefined : integer(body.total, 'total'),
      finished: boolean(body.finished, 'finished'),
      ...(body.outputs === undefined ? {} : { outputs: decodeOutputs(body.outputs, 'outputs') }),
    };
  } catch (error) {
    if (error instanceof ShapeError) throw refuse(path, `is corrupt (${error.message})`, error);
    throw error;
  }
}

/** `module:fn key=value…`, then its handler and output files when it has them, for messages. */
export function describe(identity: RunIdentity): string {
  const args = Object.entries(identity.args).map(([key, value]) => ` ${key}=${value}`);
  const { handler, results, channels } = identity;
  const parts = [handler && `handler ${handler}`, results && `writing ${results}`, channels && `channels to ${channels}`].filter(Boolean);
  return `${identity.module}:${identity.fn}${args.join('')}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}`;
}

/** The parts of an identity beyond module, fn and args, those it has. */
function runParts({ handler, results, channels }: RunIdentity): Partial<Pick<RunIdentity, 'handler' | 'results' | 'channels'>> {
  return { ...(handler === undefined ? {} : { handler }), ...(results === undefined ? {} : { results }), ...(channels === undefined ? {} : { channels }) };
}

function refuse(path: string, problem: string, cause?: unknown): never {
  throw new StateError(`state file ${path} ${problem}; move it away or pass --reset to start over`, { cause });
}

function checksum(body: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
}

function decodeIdentity(value: unknown): RunIdentity {
  const identity = object(value, 'identity');
  const parts = Object.fromEntries((['handler', 'results', 'channels'] as const).flatMap((key) => (identity[key] === undefined ? [] : [[key, string(identity[key], `identity.${key}`)]])));
  return { module: string(identity.module, 'identity.module'), fn: string(identity.fn, 'identity.fn'), args: stringRecord(identity.args, 'identity.args'), ...parts };
}

/**
 * Whether a stored identity is this run's. The handler and output files differ only when both
 * sides name them: a state of an older version names neither, and tm-master, which does not know
 * the slaves' handler, resumes a state tm-run --source began. (Resuming with output files a state
 * without them is refused by the output checks, with its own message.)
 */
function sameIdentity(a: RunIdentity, b: RunIdentity): boolean {
  const aArgs = Object.entries(a.args);
  const differ = (x: string | undefined, y: string | undefined): boolean => x !== undefined && y !== undefined && x !== y;
  return (
    a.module === b.module &&
    a.fn === b.fn &&
    aArgs.length === Object.keys(b.args).length &&
    aArgs.every(([key, value]) => Object.hasOwn(b.args, key) && b.args[key] === value) &&
    !differ(a.handler, b.handler) &&
    !differ(a.results, b.results) &&
    !differ(a.channels, b.channels)
  );
}

function decodeCursorMode(value: unknown): CursorMode | undefined {
  if (value === null) return undefined;
  if (value === 'seq' || value === 'key') return value;
  return fail(`cursorMode must be "seq", "key" or null, got ${JSON.stringify(value)}`);
}

function decodeLedger(value: unknown): LedgerSnapshot {
  const ledger = object(value, 'ledger');
  const watermark = integer(ledger.watermark, 'ledger.watermark');
  const doneAbove: DoneRange[] = [];
  let previousEnd = watermark - 1;
  let finished = watermark;
  for (const [i, item] of array(ledger.doneAbove, 'ledger.doneAbove').entries()) {
    const tuple = array(item, `ledger.doneAbove[${i}]`);
    if (tuple.length !== 2 && tuple.length !== 3) fail(`ledger.doneAbove[${i}] must be [start, end] or [start, end, cursor]`);
    const start = integer(tuple[0], `ledger.doneAbove[${i}] start`, previousEnd + 2);
    const end = integer(tuple[1], `ledger.doneAbove[${i}] end`, start);
    doneAbove.push(tuple.length === 3 ? { start, end, cursor: tuple[2] as Cursor } : { start, end });
    previousEnd = end;
    finished += end - start + 1;
  }
  const failed = integer(ledger.failed, 'ledger.failed');
  if (failed > finished) fail(`ledger.failed (${failed}) exceeds the ${finished} finished jobs`);
  return { watermark, ...(ledger.lastCursor === undefined ? {} : { lastCursor: ledger.lastCursor as Cursor }), doneAbove, failed };
}

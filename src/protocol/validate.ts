import { unpack } from './codec.js';
import {
  MASTER_COMMANDS,
  MAX_CONCURRENCY,
  MAX_MESSAGE_SIZE,
  PROTOCOL_VERSION,
  SLAVE_COMMANDS,
  type MasterMessage,
  type Message,
  type SlaveMessage,
  type WireError,
  type WireFailure,
} from './messages.js';
import { bool, bytes, fail, int, Invalid, line, list, MAX_BATCH, num, quote, record, sha256Hex, text } from './fields.js';
import { channeledIndexes, logLines, timings } from './done-results.js';
import type { SeqRuns } from './seq-runs.js';
import { statusReport } from './status-fields.js';

export type Decoded<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

export { MAX_BATCH } from './fields.js';
const MAX_CREDIT = 10_000_000;

/**
 * The kind of fault a refusal's reason names, with the peer's data (numbers, quoted text) taken
 * out: a key for rate-limited logs, so that varied hostile input cannot make each line new.
 */
export function reasonKind(reason: string): string {
  return reason.split(':', 1)[0]!.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 80);
}

function wireError(value: unknown): WireError {
  const e = record(value, 'error');
  return {
    message: text(e.message, 'error.message'),
    ...(e.name === undefined ? {} : { name: text(e.name, 'error.name', 256) }),
    ...(e.stack === undefined ? {} : { stack: text(e.stack, 'error.stack') }),
  };
}

function failure(value: unknown, count: number): WireFailure {
  const f = record(value, 'failure');
  return { index: int(f.index, 'failure.index', 0, count - 1), error: wireError(f.error) };
}

/** Checks `[start, count, …]` runs; returns them with the number of seqs they hold. */
function seqRuns(value: unknown, what: string): { runs: SeqRuns; length: number } {
  if (!Array.isArray(value) || value.length % 2 !== 0 || value.length > 2 * MAX_BATCH) fail(`${what} must be an array of [start, count] pairs`);
  let length = 0;
  for (let i = 0; i < value.length; i += 2) {
    const start = value[i] as unknown;
    const count = value[i + 1] as unknown;
    if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) fail(`${what} has a bad start seq`);
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || start + count > Number.MAX_SAFE_INTEGER) fail(`${what} has a bad count`);
    length += count;
    if (length > MAX_BATCH) fail(`${what} holds more than ${MAX_BATCH} seqs`);
  }
  return { runs: value as number[], length };
}

/** An optional list of one integer from 0 to `max` per job, such as `attempts`. */
function perJob(value: unknown, length: number, what: string, entryName: string, max: number): readonly number[] | undefined {
  if (value === undefined) return undefined;
  const entries = list(value, what);
  if (entries.length !== length) fail(`${what} must have one entry per seq (${length}), got ${entries.length}`);
  for (const entry of entries) int(entry, entryName, 0, max);
  return entries as number[];
}

function done(payload: Record<string, unknown>, run: string): Message {
  const { runs, length } = seqRuns(payload.seqs, 'seqs');
  const results = payload.results === undefined ? undefined : list(payload.results, 'results');
  if (results !== undefined && results.length !== length) fail(`results must have one entry per seq (${length}), got ${results.length}`);
  const channeled = channeledIndexes(payload.channeled, results);
  const timed = timings(payload.timings, length);
  return {
    command: 'DONE',
    run,
    seqs: runs,
    failures: list(payload.failures, 'failures').map((f) => failure(f, length)),
    ...(results === undefined ? {} : { results }),
    ...(channeled === undefined ? {} : { channeled }),
    ...(payload.returned === undefined ? {} : { returned: seqRuns(payload.returned, 'returned').runs }),
    ms: num(payload.ms, 'ms'),
    ...(timed === undefined ? {} : { timings: timed }),
    ...(payload.logLines === undefined ? {} : { logLines: logLines(payload.logLines, length, timed) }),
    credit: int(payload.credit, 'credit', 0, MAX_CREDIT),
  };
}

function jobs(payload: Record<string, unknown>, run: string): Message {
  const { runs, length } = seqRuns(payload.seqs, 'seqs');
  const attempts = perJob(payload.attempts, length, 'attempts', 'attempt', 1_000_000);
  const origins = perJob(payload.origins, length, 'origins', 'origin', Number.MAX_SAFE_INTEGER);
  return {
    command: 'JOBS',
    run,
    seqs: runs,
    ...(attempts === undefined ? {} : { attempts }),
    ...(origins === undefined ? {} : { origins }),
    jobs: bytes(payload.jobs, 'jobs'),
  };
}

/**
 * A HELLO. One of another protocol version is read only as far as the fields version 2 had, so
 * that the master can refuse it by its version, with a reason the slave shows, rather than drop
 * it for a field that version lacks (a slave of version 2 sends no `concurrency`).
 */
function hello(payload: Record<string, unknown>): Message {
  const version = int(payload.version, 'version', 0);
  return {
    command: 'HELLO',
    version,
    slave: line(payload.slave, 'slave', 256),
    host: line(payload.host, 'host', 256),
    pid: int(payload.pid, 'pid', 0),
    threads: int(payload.threads, 'threads', 1, 4096),
    concurrency: version === PROTOCOL_VERSION ? int(payload.concurrency, 'concurrency', 1, MAX_CONCURRENCY) : 1,
    capacity: int(payload.capacity, 'capacity', 1, MAX_CREDIT),
    ...(payload.name === undefined ? {} : { name: line(payload.name, 'name', 256) }),
    // Fields of this version only: one of another is refused by its version, whatever it sent.
    ...(payload.bundle === undefined || version !== PROTOCOL_VERSION ? {} : { bundle: sha256Hex(payload.bundle, 'bundle') }),
    ...(payload.allowSkew === undefined || version !== PROTOCOL_VERSION ? {} : { allowSkew: bool(payload.allowSkew, 'allowSkew') }),
  };
}

/** A JS identifier: the only kind of export name a CODE may name as its handler. */
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

/** The shipped handler: its hash and export name checked here, its bytes against the hash by the slave (ship/fetch-code.ts). */
function code(payload: Record<string, unknown>): Message {
  const fn = line(payload.fn, 'fn', 256);
  if (!IDENTIFIER.test(fn)) fail('fn must be a JavaScript identifier');
  return { command: 'CODE', sha256: sha256Hex(payload.sha256, 'sha256'), fn, bundle: bytes(payload.bundle, 'bundle') };
}

function parse(command: string, payload: Record<string, unknown>): Message {
  const run = (): string => line(payload.run, 'run', 64);
  switch (command) {
    case 'HELLO':
      return hello(payload);
    case 'CREDIT':
      return { command, run: run(), credit: int(payload.credit, 'credit', 0, MAX_CREDIT) };
    case 'DONE':
      return done(payload, run());
    case 'PING':
      return { command, run: run() };
    case 'BYE':
      return { command, run: run(), returned: seqRuns(payload.returned, 'returned').runs };
    case 'WELCOME':
      return {
        command,
        run: run(),
        jobTimeout: int(payload.jobTimeout, 'jobTimeout', 0),
        lease: int(payload.lease, 'lease', 1),
        wantResults: payload.wantResults === 'json' ? 'json' : bool(payload.wantResults, 'wantResults'),
        ...(payload.wantTimings === undefined ? {} : { wantTimings: bool(payload.wantTimings, 'wantTimings') }),
      };
    case 'REJECT':
      return { command, reason: line(payload.reason, 'reason', 1024), rehello: bool(payload.rehello, 'rehello') };
    case 'JOBS':
      return jobs(payload, run());
    case 'QUIT':
      return { command, run: run() };
    case 'STATUS':
      return { command };
    case 'FETCH':
      return { command, version: int(payload.version, 'version', 0) };
    case 'CODE':
      return code(payload);
    case 'REPORT':
      return statusReport(payload, run());
    default:
      return fail(`unknown command ${quote(command.slice(0, 16))}`);
  }
}

function decode(frames: readonly Buffer[], allowed: ReadonlySet<string>): Decoded<Message> {
  try {
    if (frames.length !== 2) fail(`expected 2 frames, got ${frames.length}`);
    const [commandFrame, payloadFrame] = frames as [Buffer, Buffer];
    if (commandFrame.length > 16) fail('command frame too long');
    const command = commandFrame.toString('latin1');
    if (!allowed.has(command)) fail(`unexpected command ${quote(command)}`);
    if (payloadFrame.length > MAX_MESSAGE_SIZE) fail('payload too large');
    let payload: unknown;
    try {
      payload = unpack(payloadFrame);
    } catch {
      fail('payload is not valid msgpack');
    }
    return { ok: true, message: parse(command, record(payload, 'payload')) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    return { ok: false, reason: `undecodable message: ${(error as Error).message}` };
  }
}

/** Narrows frames a slave sent to a typed message, or says why they are refused. */
export function decodeSlaveMessage(frames: readonly Buffer[]): Decoded<SlaveMessage> {
  return decode(frames, SLAVE_COMMANDS) as Decoded<SlaveMessage>;
}

/** Narrows frames a master sent to a typed message, or says why they are refused. */
export function decodeMasterMessage(frames: readonly Buffer[]): Decoded<MasterMessage> {
  return decode(frames, MASTER_COMMANDS) as Decoded<MasterMessage>;
}

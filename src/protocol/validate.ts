import { unpack } from './codec.js';
import {
  MASTER_COMMANDS,
  MAX_MESSAGE_SIZE,
  SLAVE_COMMANDS,
  type MasterMessage,
  type Message,
  type SlaveMessage,
  type WireError,
  type WireJob,
  type WireResult,
} from './messages.js';

export type Decoded<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

/** Most items one batch may carry: a bound on what a hostile peer can make us allocate. */
export const MAX_BATCH = 100_000;
const MAX_CREDIT = 10_000_000;
const MAX_TEXT = 64 * 1024;

class Invalid extends Error {}

function fail(reason: string): never {
  throw new Invalid(reason);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) {
    fail(`${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function int(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${what} must be a finite number >= 0`);
  return value;
}

function text(value: unknown, what: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length > max) fail(`${what} must be a string of at most ${max} characters`);
  return value;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail(`${what} must be a boolean`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value) || value.length > MAX_BATCH) fail(`${what} must be an array of at most ${MAX_BATCH} items`);
  return value;
}

function wireError(value: unknown): WireError {
  const e = record(value, 'error');
  return {
    message: text(e.message, 'error.message'),
    ...(e.name === undefined ? {} : { name: text(e.name, 'error.name', 256) }),
    ...(e.stack === undefined ? {} : { stack: text(e.stack, 'error.stack') }),
  };
}

function wireResult(value: unknown): WireResult {
  const r = record(value, 'result');
  const ok = bool(r.ok, 'result.ok');
  return {
    seq: int(r.seq, 'result.seq', 0),
    ok,
    ms: num(r.ms, 'result.ms'),
    ...(r.result === undefined ? {} : { result: r.result }),
    ...(ok ? {} : { error: wireError(r.error) }),
  };
}

function wireJob(value: unknown): WireJob {
  const j = record(value, 'job');
  return { seq: int(j.seq, 'job.seq', 0), attempt: int(j.attempt, 'job.attempt', 0, 1_000_000), job: j.job };
}

function parse(command: string, payload: Record<string, unknown>): Message {
  const run = (): string => text(payload.run, 'run', 64);
  switch (command) {
    case 'HELLO':
      return {
        command,
        version: int(payload.version, 'version', 0),
        slave: text(payload.slave, 'slave', 256),
        host: text(payload.host, 'host', 256),
        pid: int(payload.pid, 'pid', 0),
        threads: int(payload.threads, 'threads', 1, 4096),
        capacity: int(payload.capacity, 'capacity', 1, MAX_CREDIT),
      };
    case 'CREDIT':
      return { command, run: run(), credit: int(payload.credit, 'credit', 0, MAX_CREDIT) };
    case 'DONE':
      return {
        command,
        run: run(),
        results: list(payload.results, 'results').map(wireResult),
        credit: int(payload.credit, 'credit', 0, MAX_CREDIT),
      };
    case 'PING':
      return { command, run: run() };
    case 'BYE':
      return { command, run: run(), returned: list(payload.returned, 'returned').map((s) => int(s, 'returned seq', 0)) };
    case 'WELCOME':
      return {
        command,
        run: run(),
        jobTimeout: int(payload.jobTimeout, 'jobTimeout', 0),
        lease: int(payload.lease, 'lease', 1),
        wantResults: bool(payload.wantResults, 'wantResults'),
      };
    case 'REJECT':
      return { command, reason: text(payload.reason, 'reason', 1024), rehello: bool(payload.rehello, 'rehello') };
    case 'JOBS':
      return { command, run: run(), jobs: list(payload.jobs, 'jobs').map(wireJob) };
    case 'QUIT':
      return { command, run: run() };
    default:
      return fail(`unknown command ${JSON.stringify(command.slice(0, 16))}`);
  }
}

function decode(frames: readonly Buffer[], allowed: ReadonlySet<string>): Decoded<Message> {
  try {
    if (frames.length !== 2) fail(`expected 2 frames, got ${frames.length}`);
    const [commandFrame, payloadFrame] = frames as [Buffer, Buffer];
    if (commandFrame.length > 16) fail('command frame too long');
    const command = commandFrame.toString('latin1');
    if (!allowed.has(command)) fail(`unexpected command ${JSON.stringify(command)}`);
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

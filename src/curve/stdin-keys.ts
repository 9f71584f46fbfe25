/**
 * CURVE keys handed to a slave over its stdin (`--keys-stdin`), never on a command line or in a
 * file: one JSON line `{"secretKey": …, "serverKey": …}` (Z85), then stdin stays open. Its end
 * (EOF) says the side that gave the keys is gone (tm-run's ssh session, tm-spawn), so the slave
 * ties its life to it.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../common/errors.js';
import { decodeKey } from './keys.js';

/** A client's keys in memory: its own secret key and the master's public key, both Z85. */
export interface StdinKeys {
  readonly secretKey: string;
  readonly serverKey: string;
}

/** The most a key line may be: two 40-character keys and their JSON. */
const MAX_LINE = 200;

/** The line that hands `keys` over: JSON, ended by a newline. */
export function keysLine(keys: StdinKeys): string {
  return `${JSON.stringify({ secretKey: keys.secretKey, serverKey: keys.serverKey })}\n`;
}

/** Writes the keys line to a child's stdin and keeps it open: its end is the child's cue to stop. */
export function handKeys(stdin: Writable, keys: StdinKeys): void {
  // A child that exits at once closes its end: the write's error is its exit's to tell.
  stdin.on('error', () => {});
  stdin.write(keysLine(keys));
}

/** What `readStdinKeys` gives: the keys, and a promise of the end of the input. */
export interface ReadKeys {
  readonly keys: StdinKeys;
  /** Resolves when the input ends (EOF, or an error on it). */
  readonly ended: Promise<void>;
}

/**
 * Reads the keys line from `input` (the process's stdin); rejects with a usage error naming what
 * is wrong (the line is not there, not JSON, or a key is not Z85), never echoing the secret.
 */
export async function readStdinKeys(input: Readable): Promise<ReadKeys> {
  const ended = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
    input.once('error', () => resolve());
  });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const line = await new Promise<string | undefined>((resolve) => {
    lines.once('line', resolve);
    void ended.then(() => resolve(undefined));
  });
  lines.close();
  // readline paused the stream on close; reading on (and dropping) lets its EOF be seen.
  input.on('data', () => {});
  input.resume();
  if (line === undefined) throw new UsageError('--keys-stdin: stdin ended before a line of keys came');
  return { keys: parseKeysLine(line), ended };
}

/** Checks a keys line: JSON with two Z85 keys. */
export function parseKeysLine(line: string): StdinKeys {
  if (line.length > MAX_LINE) throw new UsageError(`--keys-stdin: expected one line of JSON {"secretKey", "serverKey"} (at most ${MAX_LINE} characters), got ${line.length} characters`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new UsageError('--keys-stdin: expected one line of JSON {"secretKey", "serverKey"}, got a line that is not JSON');
  }
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  for (const name of ['secretKey', 'serverKey'] as const) {
    const key = fields[name];
    if (typeof key !== 'string' || decodeKey(key) === undefined) throw new UsageError(`--keys-stdin: \`${name}\` is not a Z85 CURVE key (40 characters)`);
  }
  return { secretKey: fields.secretKey as string, serverKey: fields.serverKey as string };
}

/** How long a group given its keys over stdin waits, once stdin ended, for a graceful stop before stopping at once. */
export const STDIN_END_GRACE_MS = 5000;

/** Something that stops gracefully, and at once on a second call with SIGKILL (a Supervisor, a slave). */
interface Stoppable {
  stop(signal?: NodeJS.Signals): void;
  readonly done: Promise<unknown>;
}

/**
 * The input the keys came over has ended (the ssh session or tm-spawn is gone): stops `group`
 * gracefully (running jobs finish, unstarted ones go back), and at once after STDIN_END_GRACE_MS.
 */
export function stopOnEnd(group: Stoppable, graceMs = STDIN_END_GRACE_MS): void {
  group.stop('SIGTERM');
  const timer = setTimeout(() => group.stop('SIGKILL'), graceMs);
  void group.done.finally(() => clearTimeout(timer));
}

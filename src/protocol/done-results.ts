/**
 * The fields of a DONE beyond its seqs and failures, checked: which of its jobs sent channel
 * output (in `results`), when each ran (`timings`), and their job log lines (`logLines`).
 */
import { MAX_CHANNEL_NAME, whyBadChannelName } from './channel-name.js';
import { bytes, fail, int, list, quote } from './fields.js';
import { TIMING_BYTES } from './timings.js';

/** A DONE's optional `timings`: TIMING_BYTES per seq. (The values only reach the job log, which writes what is not a number >= 0 as null.) */
export function timings(value: unknown, length: number): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array) || value.length !== TIMING_BYTES * length) fail(`timings must be binary of ${TIMING_BYTES} bytes per seq (${TIMING_BYTES * length})`);
  return value;
}

/** A DONE's optional `channeled`: ascending indexes into `results`, each entry there a list of valid `[name, data]` pairs. */
export function channeledIndexes(value: unknown, results: readonly unknown[] | undefined): readonly number[] | undefined {
  if (value === undefined) return undefined;
  if (results === undefined) fail('channeled needs results');
  const indexes = list(value, 'channeled');
  let previous = -1;
  for (const entry of indexes) {
    const index = int(entry, 'channeled index', previous + 1, results.length - 1);
    previous = index;
    for (const pair of list(results[index], 'channel output')) {
      if (!Array.isArray(pair) || pair.length !== 2) fail('channel output must be [name, data] pairs');
      const bad = whyBadChannelName(pair[0]);
      if (bad !== undefined) fail(`channel output: ${typeof pair[0] === 'string' && pair[0] !== '' ? `channel name ${quote(pair[0].slice(0, MAX_CHANNEL_NAME))} is not allowed` : bad}`);
    }
  }
  return indexes as number[];
}

const NEWLINE = 0x0a;

/** A DONE's optional `logLines`: binary, with `timings`, a line (ending in a newline) per seq. */
export function logLines(value: unknown, length: number, timed: Uint8Array | undefined): Uint8Array {
  if (timed === undefined) fail('logLines needs timings');
  const block = bytes(value, 'logLines');
  let lines = 0;
  for (let at = block.indexOf(NEWLINE); at !== -1 && lines <= length; at = block.indexOf(NEWLINE, at + 1)) lines++;
  if (lines !== length || (length > 0 && block[block.length - 1] !== NEWLINE)) fail(`logLines must be a line per seq (${length}), each ending in a newline`);
  return block;
}

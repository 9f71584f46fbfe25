/** The output lengths a state file and its log record (`Outputs`), read back with every field checked. */
import { whyBadChannelName } from '../../protocol/channel-name.js';
import { fail, integer, object } from './json-shape.js';
import type { Outputs } from './state-types.js';

/** `value` as an `Outputs` record: `results` a byte count, `channels` an object of byte counts. */
export function decodeOutputs(value: unknown, what: string): Outputs {
  const record = object(value, what);
  const channels = record.channels === undefined ? undefined : object(record.channels, `${what}.channels`);
  for (const [name, bytes] of Object.entries(channels ?? {})) {
    // The names become file names on resume: a state file cannot point one outside the directory.
    const bad = whyBadChannelName(name);
    if (bad !== undefined) fail(`${what}.channels: ${bad}`);
    integer(bytes, `${what}.channels.${name}`);
  }
  return {
    ...(record.results === undefined ? {} : { results: integer(record.results, `${what}.results`) }),
    ...(channels === undefined ? {} : { channels: channels as Record<string, number> }),
  };
}

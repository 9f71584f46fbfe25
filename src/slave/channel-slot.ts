/**
 * A job's channel output inside the slave: checked where it is made, so a bad name or a value no
 * message can carry fails that job (with the reason) rather than the DONE; carried from the thread
 * to the slave's main thread in the job's results slot, marked; split out there into the DONE's
 * `channeled` indexes (protocol.md).
 */
import { channelPairs, channels, isAsyncIterable, isSink } from '../task/channels.js';
import { whyBadChannelName } from '../protocol/channel-name.js';
import { MAX_BATCH } from '../protocol/fields.js';
import type { WantResults } from '../protocol/messages.js';
import { whyCannotTravel } from '../protocol/travel.js';

/** The key of a results slot holding channel output, between a thread and its slave (never on the wire, never a user's key in practice). */
const SLOT_KEY = '\u0000taskmaster-ts:channels';

type Pairs = Array<readonly [string, unknown]>;

/** A job's output that cannot be sent: the job fails with this. */
export class ChannelOutputError extends TypeError {
  override readonly name = 'ChannelOutputError';
}

/**
 * The results slot for `value` when a handler returned channel output (`channels(...)`): its
 * pairs checked, sinks dropped, marked; undefined for any other value, and for output that is all
 * sinks. Throws a ChannelOutputError for a bad name or data that cannot travel.
 */
export function channelSlot(value: unknown): object | undefined {
  const pairs = channelPairs(value);
  if (pairs === undefined) return undefined;
  const kept: Pairs = [];
  for (const [i, pair] of pairs.entries()) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new ChannelOutputError(`channel output item ${i} is not a [name, data] pair`);
    const [name, data] = pair as [unknown, unknown];
    const badName = whyBadChannelName(name);
    if (badName !== undefined) throw new ChannelOutputError(`channel output item ${i}: ${badName}`);
    if (isSink(data)) continue;
    const problem = whyCannotTravel(data);
    if (problem !== undefined) throw new ChannelOutputError(`channel output item ${i} (channel ${name as string}) cannot be sent back: ${problem}`);
    kept.push([name as string, data]);
    if (kept.length > MAX_BATCH) throw new ChannelOutputError(`channel output of more than ${MAX_BATCH} items: a master takes at most that many from one job`);
  }
  return kept.length === 0 ? undefined : { [SLOT_KEY]: kept };
}

/**
 * What a handler's async iterable yields, drained in the thread (an iterator cannot travel), as
 * one `channels()` value: each item a `[name, data]` pair or a `channels()` value. Any other value
 * is returned as it is.
 */
export async function drainChannels(value: unknown): Promise<unknown> {
  if (!isAsyncIterable(value)) return value;
  const pairs: Pairs = [];
  let i = 0;
  for await (const item of value) {
    const made = channelPairs(item);
    if (made !== undefined) pairs.push(...made);
    else if (Array.isArray(item) && item.length === 2) pairs.push(item as unknown as readonly [string, unknown]);
    else throw new ChannelOutputError(`item ${i} the handler's async iterable yielded is not a [name, data] pair or a channels() value`);
    i++;
  }
  return channels(pairs);
}

/**
 * The DONE fields for a report's `results`: the indexes holding channel output (`channeled`,
 * their slots now the bare pairs), and the results themselves when the master wants them or any
 * job sent channel output; nothing at all otherwise.
 */
export function doneOutputs(results: readonly unknown[] | undefined, wantResults: WantResults): { results?: readonly unknown[]; channeled?: number[] } {
  if (results === undefined) return {};
  const first = results.findIndex(isChannelSlot);
  if (first < 0) return wantResults ? { results } : {};
  const channeled: number[] = [];
  const sent = results.map((slot, index) => {
    if (index < first || !isChannelSlot(slot)) return wantResults ? slot : undefined;
    channeled.push(index);
    return (slot as Record<string, unknown>)[SLOT_KEY];
  });
  return { results: sent, channeled };
}

function isChannelSlot(slot: unknown): boolean {
  return typeof slot === 'object' && slot !== null && Object.hasOwn(slot, SLOT_KEY);
}

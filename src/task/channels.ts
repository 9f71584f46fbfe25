/**
 * Channels, as in Arbeiter: a handler sends its output to named JSONL files (`--channels DIR`,
 * one `DIR/<name>.jsonl` each) instead of returning one result. This is the value it returns.
 */

/** Marks a value made by `channels()`: a registered symbol, so that copies of this module loaded twice (src and dist) agree. */
const CHANNELS = Symbol.for('taskmaster-ts.channels');

/** What `channels()` makes: `[name, data]` pairs, in order. */
export interface Channels {
  readonly [CHANNELS]: ReadonlyArray<readonly [string, unknown]>;
}

/**
 * Output for named channels, returned by a handler: each `data` is appended to
 * `<--channels DIR>/<name>.jsonl` as one JSON line; `undefined`, `null` and `false` are a sink
 * (nothing is written). Takes an object (`{ name: data }`) or a list of `[name, data]` pairs (a
 * name may repeat). A plain array a handler returns is a result, never channel output: only a
 * value made here (or an async iterable, see `HandleJob`) is.
 *
 * @example
 * export function handleJob(line: string) {
 *   const words = line.split(/\s+/);
 *   return channels([...words.map((w) => ['words', w] as const), ['long', words.find((w) => w.length > 12)]]);
 * }
 */
export function channels(output: Readonly<Record<string, unknown>> | Iterable<readonly [string, unknown]>): Channels {
  const pairs = Symbol.iterator in output ? [...(output as Iterable<readonly [string, unknown]>)] : Object.entries(output);
  return { [CHANNELS]: pairs };
}

/** The pairs of a value made by `channels()`, or undefined for any other value. */
export function channelPairs(value: unknown): ReadonlyArray<readonly [string, unknown]> | undefined {
  if (typeof value !== 'object' || value === null || !(CHANNELS in value)) return undefined;
  return (value as Channels)[CHANNELS];
}

/** Whether `value` is an async iterable: a handler's async generator of `[name, data]` pairs. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

/** Whether `data` is a sink: nothing is written for it. */
export function isSink(data: unknown): boolean {
  return data === undefined || data === null || data === false;
}

/**
 * What a channel may be called. A channel is a file, `<--channels DIR>/<name>.jsonl`, so its name
 * is checked where it is made (the slave fails the job) and again where it arrives (the master
 * refuses the DONE): no path separator, no `..`, nothing a shell or a filesystem treats specially.
 */

/** Longest channel name, in characters: far past any sensible name, far under any filesystem's limit. */
export const MAX_CHANNEL_NAME = 100;

/** Letters, digits, `_`, `-` and `.`, starting with a letter, digit or `_`. */
const CHANNEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Why `name` cannot name a channel, or undefined when it can. Never quotes more than the limit allows. */
export function whyBadChannelName(name: unknown): string | undefined {
  if (typeof name !== 'string') return `a channel name must be a string, got ${name === null ? 'null' : typeof name}`;
  if (name === '') return 'a channel name must not be empty';
  if (name.length > MAX_CHANNEL_NAME) return `a channel name must be at most ${MAX_CHANNEL_NAME} characters, got ${name.length}`;
  if (!CHANNEL_NAME.test(name) || name.includes('..')) {
    return `channel name ${JSON.stringify(name)} is not allowed: use letters, digits, _, - and . (not first, and no ..), since it names the file <name>.jsonl`;
  }
  return undefined;
}

import { UsageError } from './errors.js';

/**
 * Checks an integer option at the boundary, naming the flag (or, for a positional word such as
 * `N`, the word) and the value in the error.
 */
export function checkInteger(flag: string, value: unknown, min: number, given: string = String(value), max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const name = /^[A-Z]$/.test(flag) ? flag : `--${flag}`;
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`Expected \`${name}\` to be an integer ${range}, got \`${given}\``);
  }
  return value;
}

/** Parses `key=value` words into args; anything else is a usage error. */
export function parseArgWords(words: readonly string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const word of words) {
    const at = word.indexOf('=');
    if (at <= 0) throw new UsageError(`Expected \`key=value\`, got \`${word}\``);
    const key = word.slice(0, at);
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new UsageError(`\`${key}\` is not allowed as an argument name`);
    args[key] = word.slice(at + 1);
  }
  return args;
}

/**
 * Checks a ZeroMQ endpoint at the boundary: `tcp://host:port`, `ipc://path` or `inproc://name`.
 * A master binds (its port may be `*`, for a free one); a slave connects (a port from 1 to 65535).
 */
export function checkEndpoint(address: string, use: 'bind' | 'connect', flag = 'address'): string {
  const match = /^(tcp|ipc|inproc):\/\/(\S+)$/.exec(address);
  if (match === null) {
    const hint = /^[^\s:/]+:(\d+|\*)$/.test(address) ? ` (did you mean \`tcp://${address}\`?)` : '';
    throw new UsageError(`Expected \`--${flag}\` to be tcp://host:port, ipc://path or inproc://name, got \`${address}\`${hint}`);
  }
  if (match[1] !== 'tcp') return address;
  const tcp = /^(.+):(\d{1,5}|\*)$/.exec(match[2]!);
  const port = tcp?.[2] === '*' ? (use === 'bind' ? 0 : -1) : Number(tcp?.[2] ?? -1);
  const lowest = use === 'bind' ? 0 : 1;
  if (tcp === null || port < lowest || port > 65_535 || (use === 'connect' && tcp[1] === '*')) {
    const ports = use === 'bind' ? 'a port from 0 to 65535, or * for a free one' : 'a host, and a port from 1 to 65535';
    throw new UsageError(`Expected \`--${flag}\` to be tcp://host:port (${ports}), got \`${address}\``);
  }
  return address;
}

/** Checks a name a user gives something (`--name`): one line of 1 to 256 characters, as log lines and the wire take it. */
export function checkName(flag: string, name: string | undefined): string | undefined {
  if (name !== undefined && !/^[^\p{Cc}\u2028\u2029]{1,256}$/u.test(name)) {
    throw new UsageError(`Expected \`--${flag}\` to be 1 to 256 characters on one line, got \`${JSON.stringify(name).slice(1, -1).slice(0, 80)}\``);
  }
  return name;
}

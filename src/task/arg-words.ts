import { UsageError } from '../common/errors.js';

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

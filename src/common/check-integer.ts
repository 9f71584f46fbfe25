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

import { UsageError } from './errors.js';

/** Checks a name a user gives something (`--name`): one line of 1 to 256 characters, as log lines and the wire take it. */
export function checkName(flag: string, name: string | undefined): string | undefined {
  if (name !== undefined && !/^[^\p{Cc}\u2028\u2029]{1,256}$/u.test(name)) {
    throw new UsageError(`Expected \`--${flag}\` to be 1 to 256 characters on one line, got \`${JSON.stringify(name).slice(1, -1).slice(0, 80)}\``);
  }
  return name;
}

/** The `key=value` words of a built-in source, read at the boundary: every name known, every value checked. */
import { UsageError } from '../common/errors.js';
import type { JobArgs } from '../task/task.js';

/**
 * One source's args. A name it does not take, a missing required one, or a value of the wrong
 * kind is a usage error of one line that names the source, the word and what it takes.
 *
 * @example
 * const args = new SourceArgs('lines', raw, ['path', 'skip-header']);
 * const path = args.required('path');
 */
export class SourceArgs {
  readonly #source: string;
  readonly #args: JobArgs;

  constructor(source: string, args: JobArgs | undefined, known: readonly string[]) {
    this.#source = source;
    this.#args = args ?? {};
    const unknown = Object.keys(this.#args).filter((name) => !known.includes(name));
    if (unknown.length > 0) this.fail(`unknown argument \`${unknown[0]}=\`; it takes ${known.map((name) => `\`${name}=\``).join(', ')}`);
  }

  /** A usage error naming this source. */
  fail(message: string): never {
    throw new UsageError(`${this.#source} source: ${message}`);
  }

  /** The value of `name`, or undefined when it was not given. */
  optional(name: string): string | undefined {
    return Object.hasOwn(this.#args, name) ? this.#args[name] : undefined;
  }

  /** The value of `name`, which must be given and not empty. */
  required(name: string, what: string): string {
    const value = this.optional(name);
    if (value === undefined || value === '') this.fail(`needs \`${name}=\` (${what})`);
    return value;
  }

  /** An integer in `[min, max]` (safe integers), `fallback` when not given. */
  integer(name: string, fallback: number | undefined, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.optional(name);
    if (raw === undefined && fallback !== undefined) return fallback;
    if (raw === undefined) this.fail(`needs \`${name}=\` (an integer)`);
    const value = /^\s*[-+]?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const range = min === Number.MIN_SAFE_INTEGER ? 'a safe integer' : max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
      this.fail(`expected \`${name}=\` to be ${range}, got \`${raw}\``);
    }
    return value;
  }

  /** `true` or `false`, `fallback` when not given. */
  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    return this.fail(`expected \`${name}=\` to be true or false, got \`${raw}\``);
  }
}

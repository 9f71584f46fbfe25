import type { Options } from 'yargs';

/** How many words (positionals) a command takes, as yargs' `demandCommand(min, max)`. */
export interface WordCount {
  readonly min: number;
  readonly max: number;
}

/** What yargs' parse would return for a command line: every flag under its kebab and camel name, the words in `_`. */
export type QuickArgv = Record<string, unknown> & { _: Array<string | number>; $0: string };

/** Integers (no sign, no leading zero, no exponent) that yargs turns into the same number, and back into the same text. */
const PLAIN_INTEGER = /^(?:0|[1-9]\d{0,14})$/;

/**
 * Parses the command lines people type most (known `--flags` with plain values, and words) the
 * way yargs would, without loading it: yargs costs about 45 ms of every start-up, in the master
 * and in each slave. Anything else (help, version, a short or unknown flag, a repeated one, a
 * value yargs would read another way or refuse, the wrong number of words) returns undefined,
 * and yargs parses it, with its messages. test/cli/quick-argv.test.ts checks the two agree.
 */
export function quickArgv(args: readonly string[], flags: Record<string, Options>, defaults: Record<string, unknown>, words: WordCount, $0: string): QuickArgv | undefined {
  const values = new Map<string, unknown>();
  const positionals: Array<string | number> = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      if (/^[\d.+-]/.test(arg) && !PLAIN_INTEGER.test(arg)) return undefined;
      positionals.push(PLAIN_INTEGER.test(arg) ? Number(arg) : arg);
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') return undefined;
    const equals = arg.indexOf('=');
    let name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    let flag = flags[name];
    if (flag === undefined && equals === -1 && name.startsWith('no-') && flags[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      flag = flags[name];
      if (values.has(name)) return undefined;
      values.set(name, false);
      continue;
    }
    if (flag === undefined || values.has(name)) return undefined;
    if (flag.type === 'boolean') {
      // yargs reads `--flag=…` and a `true`/`false` after it as the flag's value.
      if (equals !== -1 || args[i + 1] === 'true' || args[i + 1] === 'false') return undefined;
      values.set(name, true);
      continue;
    }
    const raw = equals === -1 ? args[++i] : arg.slice(equals + 1);
    const value = flagValue(flag, raw);
    if (value === undefined) return undefined;
    values.set(name, value);
  }
  if (positionals.length < words.min || positionals.length > words.max) return undefined;
  const argv: QuickArgv = { _: positionals, $0 };
  for (const [name, flag] of Object.entries(flags)) {
    const given = values.has(name);
    const value = given ? values.get(name) : name in defaults ? defaults[name] : flag.default;
    if (!given && value === undefined) continue;
    let coerced = value;
    try {
      if (flag.coerce !== undefined) coerced = (flag.coerce as (raw: unknown) => unknown)(value);
    } catch {
      // A value the flag refuses: yargs says so, in its words.
      return undefined;
    }
    argv[name] = coerced;
    argv[camelCase(name)] = coerced;
  }
  return argv;
}

/** A flag's value as yargs would give it, or undefined when yargs might read `raw` another way. */
function flagValue(flag: Options, raw: string | undefined): unknown {
  if (raw === undefined || raw === '' || raw.startsWith('-')) return undefined;
  if (flag.choices !== undefined && !(flag.choices as readonly unknown[]).includes(raw)) return undefined;
  if (flag.type === 'string') return raw;
  if (flag.type !== undefined) return undefined;
  // Untyped (the integer flags): yargs turns a number into a number, and would keep other text as it is.
  if (PLAIN_INTEGER.test(raw)) return Number(raw);
  return /^[\d.+-]|^0x/i.test(raw) || /^(?:true|false)$/.test(raw) ? undefined : raw;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

import type { Argv, InferredOptionTypes, Options } from 'yargs';
import { VERSION } from '../common/version.js';
import { UsageError } from '../common/errors.js';
import { nearestFlag } from './did-you-mean.js';
import { failUsage } from './flags.js';
import { quickArgv, type WordCount } from './quick-argv.js';

export interface CommandLineSpec<O extends Record<string, Options>> {
  readonly name: string;
  /** The usage line and a sentence on what the command does. */
  readonly usage: string;
  readonly flags: O;
  /** `[command, what it does]`; `$0` is the command's name. */
  readonly examples: ReadonlyArray<readonly [string, string]>;
  /** What each exit code means, for the end of `--help`. */
  readonly exitCodes: string;
}

/** What yargs' `parse` gives for these flags. */
export type ParsedArgv<O extends Record<string, Options>> = Awaited<ReturnType<Argv<InferredOptionTypes<O>>['parse']>>;

/** Widest `--help` goes, whatever the terminal: and the width when it is not a terminal, so help is the same in a pipe. */
const HELP_WIDTH = 100;

/**
 * A command line to parse: the yargs setup every bin shares (its flags, strict parsing, one-line
 * usage errors with "did you mean" for a mistyped flag, `-h`/`--help` with examples and exit
 * codes, `--version`), with `default` and `demandCommand` as in yargs. An ordinary command line
 * is parsed without loading yargs (see quickArgv); yargs parses the rest.
 */
export function commandLine<O extends Record<string, Options>>(spec: CommandLineSpec<O>): CommandLine<O> {
  return new CommandLine(spec);
}

export class CommandLine<O extends Record<string, Options>> {
  readonly #spec: CommandLineSpec<O>;
  readonly #defaults: Record<string, unknown> = {};
  #words: WordCount = { min: 0, max: Infinity };
  #demand: readonly [number, number | string | undefined, string?, string?] | undefined;

  constructor(spec: CommandLineSpec<O>) {
    this.#spec = spec;
  }

  /** A default other than the flag's own, as yargs' `default`. */
  default(key: keyof O & string, value: unknown): this {
    this.#defaults[key] = value;
    return this;
  }

  /** How many words the command takes, and what to say otherwise: yargs' `demandCommand`. */
  demandCommand(min: number, maxOrMessage?: number | string, minMessage?: string, maxMessage?: string): this {
    this.#words = { min, max: typeof maxOrMessage === 'number' ? maxOrMessage : Infinity };
    this.#demand = [min, maxOrMessage, minMessage, maxMessage];
    return this;
  }

  /** Parses `args` (the process's own by default); throws a UsageError for a bad command line. */
  async parse(args: readonly string[] = process.argv.slice(2)): Promise<ParsedArgv<O>> {
    refuseSingleDash(args, Object.keys(this.#spec.flags));
    const quick = quickArgv(args, this.#spec.flags, this.#defaults, this.#words, this.#spec.name);
    return (quick as ParsedArgv<O> | undefined) ?? this.parseWithYargs(args);
  }

  /** Parses `args` with yargs itself. */
  async parseWithYargs(args: readonly string[]): Promise<ParsedArgv<O>> {
    const { default: yargs } = await import('yargs');
    const spec = this.#spec;
    // Untyped inside: the flags' types are those of ParsedArgv, on the way out.
    let parser: Argv = yargs([...args])
      .scriptName(spec.name)
      .usage(spec.usage)
      .options(spec.flags)
      .strict()
      .fail(failUsage(spec.name, [...Object.keys(spec.flags), 'help', 'version']))
      .version(VERSION)
      .help()
      .alias('h', 'help')
      .example(spec.examples.map(([command, what]) => [command, what]))
      .epilogue(spec.exitCodes)
      .wrap(Math.min(HELP_WIDTH, process.stdout.columns ?? HELP_WIDTH)) as unknown as Argv;
    for (const [key, value] of Object.entries(this.#defaults)) parser = parser.default(key, value);
    if (this.#demand !== undefined) {
      const [min, maxOrMessage, minMessage, maxMessage] = this.#demand;
      parser = typeof maxOrMessage === 'number' ? parser.demandCommand(min, maxOrMessage, minMessage, maxMessage) : parser.demandCommand(min, maxOrMessage);
    }
    return (await parser.parse()) as unknown as ParsedArgv<O>;
  }
}
/** The exit codes of a run's master (tm-master, tm-run), as docs/cli.md "Exit codes" says; `usage` says what 2 means. */
export function masterExitCodes(usage = 'a usage error: a bad flag, module, export, word or state file'): string {
  return [
    'Exit codes:',
    '  0    every job done, or the --limit of jobs',
    '  1    some job was dead-lettered (or more than --max-failures), or a fatal error (the generator',
    '       threw, a state write failed)',
    `  2    ${usage}`,
    '  130  stopped by SIGINT, state flushed',
    '  143  stopped by SIGTERM, state flushed',
  ].join('\n');
}

/**
 * A long flag given one dash (`-reset`) is refused by name: yargs reads it as the letters
 * r, e, s, e, t, and says "Unknown arguments: r, e, s, t", which names none of what was typed.
 */
function refuseSingleDash(args: readonly string[], known: readonly string[]): void {
  const end = args.indexOf('--');
  const typed = (end === -1 ? args : args.slice(0, end)).find((arg) => /^-[A-Za-z][\w-]+(?:=.*)?$/.test(arg));
  if (typed === undefined) return;
  const name = typed.slice(1).split('=')[0]!;
  const meant = known.includes(name) ? name : nearestFlag(name, known);
  throw new UsageError(`${typed} is not a flag: flags take two dashes${meant === undefined ? '' : `; did you mean --${meant}?`}`);
}

import yargs, { type Options } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../version.js';
import { failUsage } from './flags.js';

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

/** Widest `--help` goes, whatever the terminal: and the width when it is not a terminal, so help is the same in a pipe. */
const HELP_WIDTH = 100;

/**
 * The yargs setup every bin shares: its flags, strict parsing, one-line usage errors (with "did
 * you mean" for a mistyped flag), `-h`/`--help` with examples and exit codes, `--version`.
 */
export function commandLine<O extends Record<string, Options>>(spec: CommandLineSpec<O>) {
  return yargs(hideBin(process.argv))
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
    .wrap(Math.min(HELP_WIDTH, process.stdout.columns ?? HELP_WIDTH));
}

/** The exit codes of a run's master (tm-master, tm-run), as README "Exit codes" says; `usage` says what 2 means. */
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandLine } from '../../src/cli/command-line.js';
import { clientCurveFlags, commonFlags, masterCurveFlags, masterFlags, slaveFlags } from '../../src/cli/flags.js';
import { quickArgv } from '../../src/cli/quick-argv.js';

const FLAGS = { ...commonFlags, ...masterFlags, ...slaveFlags, ...masterCurveFlags, 'server-key': clientCurveFlags['server-key'] };
const SPEC = { name: 'tm-run', usage: '$0 module N', flags: FLAGS, examples: [], exitCodes: '' };
/** tm-run's command line: its flags, its own default address, two words or more. */
const tmRun = () => commandLine(SPEC).default('address', 'tcp://127.0.0.1:*').demandCommand(2, 'Name a task module and a slave count');

const VALUES = ['2', '0', '10', '007', '1e3', '0x10', '1.5', '-1', 'abc', '', 'true', 'false', 'debug', 'loud', 'tcp://127.0.0.1:*', 'file.state.json'];
const WORDS = ['mod.ts', 'tasks.mjs', '1', '2', '01', '1.5', '-3', '+4', 'n=5', 'file=a b', 'x'];
const NAMES = [...Object.keys(FLAGS), 'unknown', 'no-reset', 'no-size', 'help', 'version'];

/** Tokens of an ordinary command line, so that many command lines take the quick path. */
const ORDINARY = [['n=5'], ['--reset'], ['--no-progress'], ['--size', '10'], ['--threads=2'], ['--log-level', 'debug'], ['--state', 'x.json'], ['--address', 'tcp://127.0.0.1:5'], ['--name', 'w'], ['--max-credit=7'], ['--rate', '5/s']];

const token: fc.Arbitrary<readonly string[]> = fc.oneof(
  { arbitrary: fc.constantFrom(...ORDINARY), weight: 12 },
  fc.constantFrom(...WORDS).map((word) => [word]),
  fc.constantFrom(...NAMES).map((name) => [`--${name}`]),
  fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES)).map(([name, value]) => [`--${name}`, value]),
  fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES)).map(([name, value]) => [`--${name}=${value}`]),
  fc.constantFrom(['--'], ['-h'], ['-x'], ['--no-progress'], ['--reset']),
);

describe('quickArgv', () => {
  it('parses whatever it takes exactly as yargs does, over any mix of flags, values and words', async () => {
    let quick = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 8 }), fc.constantFrom(['mod.ts', '2'], ['mod.ts'], []), async (tokens, lead) => {
        const args = [...lead, ...tokens.flat()];
        const parsed = quickArgv(args, FLAGS, { address: 'tcp://127.0.0.1:*' }, { min: 2, max: Infinity }, 'tm-run');
        if (parsed === undefined) return;
        quick++;
        expect(await tmRun().parseWithYargs(args)).toEqual(parsed);
      }),
      { numRuns: 400 },
    );
    // Not vacuous: many of them took the quick path.
    expect(quick).toBeGreaterThan(20);
  });

  it('takes the command lines tm-run gives its slaves, and the usual ones, without yargs', () => {
    const slave = ['mod.ts', '--address', 'tcp://127.0.0.1:4321', '--threads', '2', '--concurrency', '1', '--log-level', 'info', '--max-credit', '100', '--name', 'w-1'];
    expect(quickArgv(slave, FLAGS, {}, { min: 1, max: Infinity }, 'tm-slave')).toMatchObject({ _: ['mod.ts'], threads: 2, maxCredit: 100, 'max-credit': 100, name: 'w-1', logLevel: 'info' });
    const run = ['noop.mjs', '1', 'n=1', '--reset', '--no-progress', '--state=s.json'];
    expect(quickArgv(run, FLAGS, { address: 'tcp://127.0.0.1:*' }, { min: 2, max: Infinity }, 'tm-run')).toMatchObject({ _: ['noop.mjs', 1, 'n=1'], reset: true, progress: false, state: 's.json', address: 'tcp://127.0.0.1:*', size: 10_000 });
  });

  it('leaves to yargs a bad value, an unknown flag, help, and too few words, so they get its messages', async () => {
    for (const args of [['m', '1', '--size', '0'], ['m', '1', '--sise', '5'], ['--help'], ['m'], ['m', '1', '--log-level', 'loud']]) {
      expect(quickArgv(args, FLAGS, {}, { min: 2, max: Infinity }, 'tm-run')).toBeUndefined();
    }
    await expect(tmRun().parse(['m', '1', '--size', '0'])).rejects.toThrow('Expected `--size` to be an integer >= 1, got `0`');
    await expect(tmRun().parse(['m', '1', '--sise', '5'])).rejects.toThrow(/Unknown argument: sise.*--size/);
  });
});

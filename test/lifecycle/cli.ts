/**
 * `npm run chaos -- --lifecycle [--seeds N] [--from S | --seed S] [--parallel 1|2] [--keep] [--verbose]`:
 * the lifecycle search over N seeds from S (random unless given), or the one seed S. Prints a line
 * per seed that broke an invariant, with the command that replays it, then a summary; exit 1 on
 * any violation. Ctrl-C (or SIGTERM) kills every process the search started before it exits.
 * LC_DEBUG=1 prints when each incarnation starts, acts and ends: where a seed's time goes.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { killEverything } from './procs.js';
import { formatViolation, replayCommand, runSeeds } from './search.js';

/** Runs the search `argv` asks for; resolves with the exit code. */
export async function lifecycleMain(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      lifecycle: { type: 'boolean' },
      seeds: { type: 'string', default: '20' },
      from: { type: 'string' },
      seed: { type: 'string' },
      parallel: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  const integer = (name: string, value: string | undefined, min: number, max = 2 ** 32 - 1): number => {
    const n = Number(value);
    if (value === undefined || value === '' || !Number.isSafeInteger(n) || n < min || n > max) {
      process.stderr.write(`lifecycle: Expected \`--${name}\` to be an integer from ${min} to ${max}, got \`${value}\`\n`);
      process.exit(2);
    }
    return n;
  };
  const parallel = integer('parallel', values.parallel, 1, 2);
  const seeds =
    values.seed !== undefined
      ? [integer('seed', values.seed, 0)]
      : ((from, n) => Array.from({ length: n }, (_, i) => from + i))(values.from === undefined ? randomInt(2 ** 31) : integer('from', values.from, 0), integer('seeds', values.seeds, 1));
  const interrupted = (signal: NodeJS.Signals): void => {
    killEverything();
    process.stderr.write(`lifecycle: ${signal}: every process of the search killed\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('exit', killEverything);
  const started = performance.now();
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`lifecycle: ${seeds.length} seed${seeds.length === 1 ? '' : 's'} from ${seeds[0]}, ${parallel} at a time`);
  let ran = 0;
  let broke = 0;
  const results = await runSeeds(
    seeds,
    parallel,
    (r) => {
      // A line every 100 seeds, so a long search says how far it is.
      if (++ran % 100 === 0 && ran < seeds.length) out(`lifecycle: ${ran} of ${seeds.length} seeds in ${((performance.now() - started) / 1000).toFixed(0)} s, ${broke} broke an invariant`);
      if (r.violations.length > 0) {
        broke++;
        out(`FAIL seed ${r.seed}: ${[...new Set(r.violations.map((v) => v.invariant))].join(', ')} — replay: ${replayCommand(r.seed)}`);
        out(`  ${r.summary}`);
        for (const v of r.violations) out(formatViolation(v));
        out(`  kept in ${r.dir}`);
      } else if (values.verbose) {
        out(`ok seed ${r.seed} in ${(r.ms / 1000).toFixed(1)} s: ${r.summary}`);
      }
    },
    values.keep,
  );
  const failing = results.filter((r) => r.violations.length > 0);
  const violations = failing.reduce((n, r) => n + r.violations.length, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  out(`lifecycle: ${results.length} seeds in ${seconds} s, ${violations} violations in ${failing.length} seeds${failing.length === 0 ? '' : ` (${failing.map((r) => r.seed).join(', ')})`}`);
  return failing.length === 0 ? 0 : 1;
}

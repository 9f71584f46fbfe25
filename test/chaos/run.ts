/**
 * `npm run chaos`: the full-size chaos run. Flags: --seed (or env CHAOS_SEED; random if neither),
 * --jobs (1000000), --faults (30), --spin-us (job busy-wait, 150 µs: the faults need a run that lasts),
 * --async-ms (instead, each job awaits a timer this long, every tenth five times as long: async jobs
 * in lanes, with partial reports), --concurrency (each slave's, 1), --keep (keep the temp dir).
 * Exits 0 when every guarantee held, 1 otherwise (the temp dir is then kept for inspection).
 * With --lifecycle it is the lifecycle search instead (test/lifecycle/cli.ts, flags of its own).
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { tempDir } from '../helpers/processes.js';
import { runChaos } from './driver.js';
import { resultLines } from './report.js';

if (process.argv.includes('--lifecycle')) {
  const { lifecycleMain } = await import('../lifecycle/cli.js');
  process.exit(await lifecycleMain(process.argv.slice(2)));
}

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: process.env.CHAOS_SEED },
    jobs: { type: 'string', default: '1000000' },
    faults: { type: 'string', default: '30' },
    'spin-us': { type: 'string', default: '150' },
    'async-ms': { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});

/** A flag as a whole number >= `min`, or exit 2 naming it. */
function integerFlag(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isSafeInteger(n) || n < min) {
    process.stderr.write(`chaos: Expected \`--${name}\` to be an integer >= ${min}, got \`${value}\`\n`);
    process.exit(2);
  }
  return n;
}

const seed = values.seed === undefined ? randomInt(2 ** 32 - 1) : integerFlag('seed', values.seed, 0);
const dir = tempDir();
const options = {
  seed,
  jobs: integerFlag('jobs', values.jobs, 1),
  faults: integerFlag('faults', values.faults, 0),
  spinUs: integerFlag('spin-us', values['spin-us'], 0),
  asyncMs: integerFlag('async-ms', values['async-ms'], 0),
  concurrency: integerFlag('concurrency', values.concurrency, 1),
  dir: dir.path,
};
const report = await runChaos({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
process.stdout.write(`${resultLines(report).join('\n')}\n`);
if (report.problems.length > 0 || values.keep) process.stdout.write(`chaos: record and state kept in ${dir.path}\n`);
else dir.remove();
process.exitCode = report.problems.length === 0 ? 0 : 1;

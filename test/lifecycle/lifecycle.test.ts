import { afterAll, describe, expect, it } from 'vitest';
import { features } from './features.js';
import { describeScenario, scenarioOf } from './model.js';
import { killEverything } from './procs.js';
import { formatViolation, replayCommand, runSeeds } from './search.js';

// A fixed set of seeds of the lifecycle search (test/lifecycle/), run against the real bins. The
// first ones together exercise every feature of features.ts (chosen by a greedy cover over seeds
// 0–2999, cheapest first); the others each replay a bug the search found (issue 18).
const COVER = [1816, 1625, 1712, 2581, 2041, 1953, 1230];
const REPLAYS: Record<number, string> = {
  1165: 'finding 1: a generator that throws once handleResult has seen its results: tm-master exits 0, state finished, jobs lost',
  108: 'finding 1, through tm-run: the state finished, exit 1 for its dead letters, the jobs after the throw lost',
  1005: 'finding 4: a function 400 levels down travels unchecked; the run finishes without the error',
  429: 'finding 4: a symbol 101 levels down fails the run with "Unknown type: symbol", no seq named, printed twice',
  1198: 'finding 4: a Symbol cursor is taken; the run finishes and exits 0',
  2799: 'a synchronous handleResult that throws fails the whole run (recorder.ts), so the run never finishes',
  11217: 'a SIGINT as tm-master prints its summary after a failed run killed it (no exit code): the signal handlers were gone (about 1 in 4 replays)',
  1145: 'a deep symbol fails a tm-master with a job in flight: about half the time it exits 0, silently, state not finished',
};

const SEEDS = [...COVER, ...Object.keys(REPLAYS).map(Number)];

describe('the lifecycle search, on fixed seeds', () => {
  afterAll(killEverything);

  it('keeps every invariant of issue 18', { timeout: 180_000 }, async () => {
    for (const seed of SEEDS) {
      const scenario = scenarioOf(seed);
      const why = REPLAYS[seed] ?? [...features(scenario)].join(' ');
      process.stdout.write(`lifecycle seed ${seed} (${why}): ${describeScenario(scenario)}\n`);
    }
    const results = await runSeeds(SEEDS, 2, () => {});
    const broken = results
      .filter((r) => r.violations.length > 0)
      .map((r) => `seed ${r.seed} — replay: ${replayCommand(r.seed)} (kept in ${r.dir})\n  ${r.summary}\n${r.violations.map(formatViolation).join('\n')}`);
    expect(broken.join('\n\n')).toBe('');
  });
});

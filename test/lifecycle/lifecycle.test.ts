import { afterAll, describe, expect, it } from 'vitest';
import { features } from './features.js';
import { describeScenario, scenarioOf } from './model.js';
import { killEverything } from './procs.js';
import { formatViolation, replayCommand, runSeeds } from './search.js';

// A fixed set of seeds of the lifecycle search (test/lifecycle/), run against the real bins. The
// first ones together exercise every feature of features.ts (chosen by a greedy cover over seeds
// 0–2999, cheapest first); the others each replay a bug the search found (issue 18).
const COVER = [1816, 1625, 1712, 2581, 2041, 1953, 1230];
const REPLAYS: Record<number, string> = {};

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

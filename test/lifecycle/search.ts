/** Runs seeds of the lifecycle search, each in a temp dir of its own, at most `parallel` at once. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/processes.js';
import { playScenario, type RunOutcome } from './driver.js';
import { checkRun, type Violation } from './invariants.js';
import { describeScenario, scenarioOf } from './model.js';

/** What one seed did. */
export interface SeedResult {
  readonly seed: number;
  readonly summary: string;
  readonly violations: readonly Violation[];
  readonly ms: number;
  /** Its temp dir, kept when it broke an invariant (or when asked), else removed. */
  readonly dir?: string;
}

/** The one command that replays `seed`. */
export function replayCommand(seed: number): string {
  return `npm run chaos -- --lifecycle --seed ${seed}`;
}

/** Plays `seed` and judges it; keeps its dir (the module, state, record, logs) when it broke something, or with `keep`. */
export async function runSeed(seed: number, keep = false): Promise<SeedResult> {
  const started = performance.now();
  const scenario = scenarioOf(seed);
  const dir = tempDir();
  let outcome: RunOutcome | undefined;
  let violations: Violation[];
  try {
    outcome = await playScenario(scenario, dir.path);
    violations = checkRun(outcome);
  } catch (error) {
    violations = [{ invariant: 'processes', detail: `the driver failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }];
  }
  const ms = performance.now() - started;
  const summary = `${describeScenario(scenario)}; ${outcome?.incarnations.map((i) => `#${i.number} ${i.acted ? i.step.end : 'end'}→${i.exit.code ?? i.exit.signal}${i.after.finished ? ' finished' : ''} ${(i.ms / 1000).toFixed(1)}s`).join(' ') ?? ''}`;
  if (violations.length === 0 && !keep) {
    dir.remove();
    return { seed, summary, violations, ms };
  }
  if (outcome !== undefined) {
    for (const inc of outcome.incarnations) writeFileSync(join(dir.path, `master-${inc.number}.log`), inc.output);
  }
  writeFileSync(join(dir.path, 'violations.txt'), `${summary}\n${violations.map(formatViolation).join('\n')}\n`);
  return { seed, summary, violations, ms, dir: dir.path };
}

/** One violation as a line (and its indented detail). */
export function formatViolation(v: Violation): string {
  return `  [${v.invariant}]${v.incarnation === undefined ? '' : ` incarnation ${v.incarnation}:`} ${v.detail}`;
}

/** Runs `seeds`, `parallel` at a time, calling `onResult` as each ends; resolves with every result in seed order. */
export async function runSeeds(seeds: readonly number[], parallel: number, onResult: (result: SeedResult) => void, keep = false): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < seeds.length) {
      const seed = seeds[next++]!;
      const result = await runSeed(seed, keep);
      results.push(result);
      onResult(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
  return results.sort((a, b) => seeds.indexOf(a.seed) - seeds.indexOf(b.seed));
}

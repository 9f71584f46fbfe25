import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../chaos/prng.js';
import { FIXTURES, runBin, type Proc } from '../../helpers/processes.js';
import { mixedOutputs, readJsonl } from '../../helpers/outputs.js';
import { reservePort } from '../../helpers/ports.js';
import { recordedLedger } from '../../helpers/state.js';
import { useTestDir } from '../../helpers/test-dir.js';

const OUTPUTS = join(FIXTURES, 'outputs.ts');
const JOBS = 120_000;
const KILLS = 5;
const dir = useTestDir();

/** Bytes of `path`, 0 while it does not exist. */
function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Each value's count, for those that occur more than once. */
function repeats(values: readonly number[]): number[] {
  const seen = new Set<number>();
  return values.filter((value) => seen.has(value) || !seen.add(value));
}

describe('kill -9 of a master writing --results and --channels', () => {
  it(`leaves, after ${KILLS} kills at random points and resumes, exactly one line per finished job's output and none missing`, async () => {
    const seed = Number(process.env.TM_OUTPUTS_SEED ?? Date.now() % 100_000);
    const random = mulberry32(seed);
    const results = join(dir.path, 'results.jsonl');
    const channels = join(dir.path, 'channels');
    const state = join(dir.path, 'run.state.json');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    // Results of a third of the jobs, about 45 bytes a line: where the kills fall.
    const expectedBytes = (JOBS / 3) * 45;
    const master = (interval: number): Proc =>
      runBin('tm-master', [OUTPUTS, `n=${JOBS}`, '--address', address, '--state', state, '--results', results, '--channels', channels, '--checkpoint-interval', String(interval), '--no-progress'], { cwd: dir.path });
    let current = master(1000);
    await current.waitFor(/listening on/);
    const slave = runBin('tm-slave', [OUTPUTS, '--address', address, '--threads', '2'], { cwd: dir.path, env: { TM_SPIN_US: '20' } });
    const cuts: string[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      const target = size(results) + expectedBytes * (0.02 + random() * 0.12);
      await expect.poll(() => size(results), { timeout: 60_000, interval: 2 }).toBeGreaterThanOrEqual(target);
      current.child.kill('SIGKILL');
      expect(await current.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const heard = recordedLedger(state).finished;
      expect(heard, 'the run ended before the kill').toBeLessThan(JOBS);
      // Snapshots from every 10 ms to every second, so kills land anywhere between them.
      current = master([10, 50, 250, 1000][Math.floor(random() * 4)]!);
      await current.waitFor(/listening on/);
      cuts.push(...[...current.stderr.matchAll(/cut (\d+) bytes off (results|channel) file/g)].map((m) => `${m[2]} ${m[1]}`));
      // Cut back to what the state counts: no line twice, even before the run goes on.
      expect(repeats((readJsonl(results) as Array<{ seq: number }>).map((line) => line.seq)), `seed ${seed}`).toEqual([]);
      expect(repeats(readJsonl(join(channels, 'threes.jsonl')) as number[]), `seed ${seed}`).toEqual([]);
    }
    expect(await current.exited, current.stderr).toEqual({ code: 0, signal: null });
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    const { actual, expected } = mixedOutputs(results, channels, JOBS);
    expect(actual, `seed ${seed}`).toEqual(expected);
    console.log(`outputs after ${KILLS} kill -9s of the master (seed ${seed}): exactly once each; cut on resume: ${cuts.join(', ') || 'nothing'}`);
  }, 180_000);

  it('runs again the jobs whose output a machine crash lost after the state log counted them, and then holds each once', async () => {
    const results = join(dir.path, 'results.jsonl');
    const channels = join(dir.path, 'channels');
    const state = join(dir.path, 'run.state.json');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const args = (interval: string): string[] => [OUTPUTS, `n=${JOBS}`, '--address', address, '--state', state, '--results', results, '--channels', channels, '--checkpoint-interval', interval, '--no-progress'];
    // No snapshot but the first: every completion is in the log, with the output lengths it needs.
    const first = runBin('tm-master', args('3600000'), { cwd: dir.path });
    await first.waitFor(/listening on/);
    const slave = runBin('tm-slave', [OUTPUTS, '--address', address, '--threads', '2'], { cwd: dir.path, env: { TM_SPIN_US: '20' } });
    await expect.poll(() => size(results), { timeout: 60_000, interval: 2 }).toBeGreaterThan(200_000);
    first.child.kill('SIGKILL');
    await first.exited;
    // The disk kept the log but not the last half of the results, which were never fsynced.
    const text = readFileSync(results, 'utf8');
    writeFileSync(results, text.slice(0, text.indexOf('\n', text.length / 2) + 1));
    const second = runBin('tm-master', args('1000'), { cwd: dir.path });
    await second.waitFor(/listening on/);
    expect(second.stderr).toMatch(/\d+ lines of the state log of .* count jobs whose output is missing from the output files \(a machine crash before their fsync\?\): those jobs run again/);
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    const { actual, expected } = mixedOutputs(results, channels, JOBS);
    expect(actual).toEqual(expected);
  }, 120_000);
});

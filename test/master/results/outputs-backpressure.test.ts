import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type * as Api from '../../../src/index.js';
import { FIXTURES, ROOT } from '../../helpers/processes.js';
import { mixedOutputs } from '../../helpers/outputs.js';
import { countLines } from '../../helpers/record.js';
import { useTestDir } from '../../helpers/test-dir.js';
import { progressEvents } from '../../helpers/progress-events.js';

const { run } = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof Api;
const OUTPUTS = join(FIXTURES, 'outputs.ts');
const dir = useTestDir();
const gated = globalThis as { tmResultGate?: Promise<void> };

afterEach(() => {
  delete gated.tmResultGate;
  delete process.env.TM_RECORD;
});

describe('a slow handleResult with --results', () => {
  it('holds dispatch back: nothing piles up in the master, the slaves run no more than they hold, and every result is written once', async () => {
    const jobs = 20_000;
    const maxCredit = 500;
    const record = join(dir.path, 'record.txt');
    process.env.TM_RECORD = record;
    let open = (): void => {};
    gated.tmResultGate = new Promise((resolve) => (open = resolve));
    const results = join(dir.path, 'results.jsonl');
    const channels = join(dir.path, 'channels');
    const handle = run({ module: OUTPUTS, args: { n: String(jobs) }, slaves: 1, threads: 1, maxCredit, resultsFile: results, channelsDir: channels, state: join(dir.path, 'run.state.json'), cwd: dir.path });
    // handleResult waits on the gate: the first report is never recorded, so nothing is written,
    // and the slave runs what it holds and reports it into DONEs the master does not read: two credits' worth.
    for (let tick = 0; tick < 4; tick++) {
      const { finished } = await progressEvents(handle, 1);
      expect(finished).toBe(0);
      expect(countLines(record)).toBeLessThanOrEqual(2 * maxCredit);
    }
    expect(() => statSync(results).size).not.toThrow();
    expect(statSync(results).size).toBe(0);
    open();
    expect(await handle.done).toMatchObject({ outcome: 'finished', done: jobs });
    const { actual, expected } = mixedOutputs(results, channels, jobs);
    expect(actual).toEqual(expected);
  }, 60_000);
});

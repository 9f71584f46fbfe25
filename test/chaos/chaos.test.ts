import { describe, expect, it } from 'vitest';
import { useTestDir } from '../helpers/test-dir.js';
import { runChaos, type ChaosReport } from './driver.js';
import { formatReport } from './report.js';

/** The CI size of the chaos run (`npm run chaos` is the full one). */
const JOBS = 200_000;
const FAULTS = 10;
const SEED = 20_261_127;
/** Job busy-wait: about 30 s of work on two cores, long enough for the faults to fall inside the run. */
const SPIN_US = 300;

/** The async variant: jobs await 4 ms (every tenth 20 ms) on 8 lanes a slave, so batches are reported in parts while stragglers run. */
const ASYNC = { jobs: 100_000, faults: 8, seed: 7, asyncMs: 4, concurrency: 8 } as const;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

describe('chaos run', () => {
  it(
    `loses no job and re-runs only in-flight jobs while ${FAULTS} seeded faults hit the master and the slaves`,
    async () => {
      const report = await runChaos({ seed: SEED, jobs: JOBS, faults: FAULTS, spinUs: SPIN_US, dir: dir.path });
      expectHeld(report, JOBS, FAULTS);
    },
    // About a minute on two cores beside other tests; a hang fails sooner, through the driver's stall check.
    240_000,
  );

  it(
    `holds the same with async jobs in lanes, reported in parts, while ${ASYNC.faults} seeded faults hit`,
    async () => {
      const report = await runChaos({ ...ASYNC, spinUs: 0, dir: dir.path });
      expectHeld(report, ASYNC.jobs, ASYNC.faults);
    },
    240_000,
  );
});

/** No job lost, none heard done and run again, the run finished, re-runs within the faults' bound. */
function expectHeld(report: ChaosReport, jobs: number, faults: number): void {
  console.log(formatReport(report));
  expect(report.problems).toEqual([]);
  expect(report.faults.length).toBeGreaterThanOrEqual(faults);
  expect(report.verdict).toMatchObject({ missing: 0, foreign: 0, heardAgain: 0, state: { finished: true, watermark: jobs, doneAbove: 0, failed: 0 } });
  expect(report.verdict!.extraRuns).toBeLessThanOrEqual(report.bound);
}

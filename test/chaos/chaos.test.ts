import { describe, expect, it } from 'vitest';
import { useTestDir } from '../helpers/test-dir.js';
import { runChaos } from './driver.js';
import { formatReport } from './report.js';

/** The CI size of the chaos run (`npm run chaos` is the full one). */
const JOBS = 200_000;
const FAULTS = 10;
const SEED = 20_261_127;
/** Job busy-wait: about 30 s of work on two cores, long enough for the faults to fall inside the run. */
const SPIN_US = 300;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

describe('chaos run', () => {
  it(
    `loses no job and re-runs only in-flight jobs while ${FAULTS} seeded faults hit the master and the slaves`,
    async () => {
      const report = await runChaos({ seed: SEED, jobs: JOBS, faults: FAULTS, spinUs: SPIN_US, dir: dir.path });
      console.log(formatReport(report));
      expect(report.problems).toEqual([]);
      expect(report.faults.length).toBeGreaterThanOrEqual(FAULTS);
      expect(report.verdict).toMatchObject({ missing: 0, foreign: 0, heardAgain: 0, state: { finished: true, watermark: JOBS, doneAbove: 0, failed: 0 } });
      expect(report.verdict!.extraRuns).toBeLessThanOrEqual(report.bound);
    },
    // About a minute on two cores beside other tests; a hang fails sooner, through the driver's stall check.
    240_000,
  );
});

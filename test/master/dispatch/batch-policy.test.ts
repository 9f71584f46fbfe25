import { describe, expect, it } from 'vitest';
import { idealBatch } from '../../../src/master/dispatch/batch-policy.js';
import type { SlaveRecord } from '../../../src/master/dispatch/slave-record.js';
import { slave } from '../../helpers/slave-record.js';

/** The next batch's size as the policy takes it: the ideal batch, within the slave's credit. */
function batchSize(record: SlaveRecord, targetMs: number, maxBatch: number): number {
  return Math.min(record.credit, idealBatch(record, targetMs, maxBatch));
}

describe('batch size', () => {
  it('carries about the target time per lane of the thread a batch runs on, 2 jobs a lane until job times are known', () => {
    const record = slave('a', 8, 100_000);
    record.grant(100_000);
    expect(batchSize(record, 50, 1000)).toBe(16);
    record.sent(16);
    record.inFlight -= 16;
    record.observe(16 * 2, 16); // 2 ms a job: 25 jobs a lane in 50 ms, 200 over 8 lanes
    expect(batchSize(record, 50, 1000)).toBe(200);
    expect(batchSize(record, 50, 150)).toBe(150);
  });

  it('is not shrunk by a straggler reported alone after its batch-mates', () => {
    const record = slave('a');
    // What the dispatcher does with a DONE of `jobs` that took `ms` of handler time.
    const done = (ms: number, jobs: number): void => {
      record.inFlight -= jobs;
      record.observe(ms, jobs);
    };
    record.grant(1000);
    record.sent(500);
    done(500, 500); // 1 ms a job
    record.grant(1000);
    const before = batchSize(record, 50, 1000);
    expect(before).toBe(50);
    // A batch's quick jobs reported early, then its one straggler of 500 ms alone.
    record.sent(500);
    done(499, 499);
    done(500, 1);
    // Two DONEs of equal weight would average ~250 ms a job, and batches of one; by jobs it is ~2 ms.
    expect(record.msPerJob).toBeLessThan(2.5);
    record.grant(1000);
    expect(batchSize(record, 50, 1000)).toBeGreaterThan(before / 3);
  });
});

import { describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/protocol/messages.js';
import { duration, statusTable } from '../../src/status/status-table.js';

const started = Date.UTC(2026, 10, 27, 9, 40, 12);
const report: StatusReport = {
  command: 'REPORT',
  run: '3f2a9c1b0d4e5f60',
  module: 'examples/squares.ts',
  fn: 'getJobs',
  args: { n: '1000000' },
  state: '.taskmaster/squares.state.json',
  startedAt: started,
  stopping: false,
  retryFailed: false,
  totals: { done: 41_000, failed: 2, total: 1_000_000, inFlight: 4000, buffered: 10_000, size: 10_000, retrying: 1, watermark: 40_990, rate: 5123.6, etaSeconds: 187.2, elapsedMs: 72_000 },
  slaves: [
    { id: 'host-a:3312', host: 'host-a', pid: 3312, threads: 8, concurrency: 4, inFlight: 2000, done: 20_000, failed: 2, rate: 2500.2, lastSeenMs: 12, bundle: `9f3e0a1b2c3d${'0'.repeat(52)}` },
    { id: 'gpu-box', host: 'host-b', pid: 77, threads: 2, concurrency: 1, inFlight: 0, done: 21_000, failed: 0, rate: 0, lastSeenMs: 1000 },
  ],
};

describe('the status table', () => {
  it('shows the run, its totals and a row per slave (with the code it runs, or - when it said none), numbers aligned right', () => {
    expect(statusTable(report, started + 72_000)).toBe(
      [
        'run      3f2a9c1b0d4e5f60  examples/squares.ts:getJobs n=1000000',
        'state    .taskmaster/squares.state.json',
        'started  2026-11-27T09:40:12Z (1 min 12 s ago)',
        '',
        'done 41,000 / 1,000,000 (4.1%)   failed 2   in flight 4,000   buffered 10,000 / 10,000   watermark 40,990',
        'rate 5,124 jobs/s   ETA 3 min 7 s   retrying 1',
        '',
        'slave        host     pid  threads × conc  in flight    done  failed  jobs/s  last seen  code',
        'host-a:3312  host-a  3312  8 × 4               2,000  20,000       2   2,500  0.0 s ago  9f3e0a1b2c3d',
        'gpu-box      host-b    77  2 × 1                   0  21,000       0       0  1.0 s ago  -',
      ].join('\n'),
    );
  });

  it('says so when no slave is connected, and when the total and ETA are unknown', () => {
    const bare = { ...report, totals: { ...report.totals, total: null, etaSeconds: null, retrying: 0 }, slaves: [], stopping: true };
    const text = statusTable(bare, started + 5000);
    expect(text).toContain('started  2026-11-27T09:40:12Z (5 s ago)  stopping');
    expect(text).toContain('done 41,000   failed 2');
    expect(text).toContain('ETA -');
    expect(text.endsWith('no slave connected')).toBe(true);
  });

  it('reads durations as people do', () => {
    expect([duration(0.4), duration(59), duration(75), duration(4000)]).toEqual(['0 s', '59 s', '1 min 15 s', '1 h 6 min']);
  });
});

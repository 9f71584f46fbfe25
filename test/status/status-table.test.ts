import { describe, expect, it } from 'vitest';
import type { SlaveStatus, StatusReport } from '../../src/protocol/messages.js';
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

  /** `n` slaves, 17 to a host (rack-1, rack-2, …), each 2 × 4 lanes with 8 in flight and 1,000 done. */
  function fleet(n: number): SlaveStatus[] {
    return Array.from({ length: n }, (_, i) => ({ id: `rack-${Math.floor(i / 17) + 1}:${100 + i}`, host: `rack-${Math.floor(i / 17) + 1}`, pid: 100 + i, threads: 2, concurrency: 4, inFlight: 8, done: 1000, failed: 0, rate: 12.4, lastSeenMs: 300, bundle: 'c'.repeat(64) }));
  }
  const body = (text: string): string[] => text.split('\n').slice(7);

  it('keeps a row per slave up to 50 slaves', () => {
    const lines = body(statusTable({ ...report, slaves: fleet(50) }, started));
    expect(lines).toHaveLength(51);
    expect(lines[0]).toMatch(/^slave +host +pid/);
    expect(lines[50]).toBe('rack-3:149  rack-3  149  2 × 4                   8  1,000       0      12  0.3 s ago  cccccccccccc');
  });

  it('past 50 slaves, shows a row per host, the slaves that need attention, and how to see every row', () => {
    const slaves = fleet(51);
    slaves[20] = { ...slaves[20]!, lastSeenMs: 12_500 };
    slaves[40] = { ...slaves[40]!, failed: 3, bundle: 'd'.repeat(64) };
    slaves[41] = { ...slaves[41]!, failed: 1 };
    expect(body(statusTable({ ...report, lease: 30_000, slaves }, started))).toEqual([
      '51 slaves on 3 hosts, by host:',
      'host    slaves  lanes  in flight    done  failed  jobs/s   last seen  code',
      'rack-1      17    136        136  17,000       0     211   0.3 s ago  cccccccccccc',
      'rack-2      17    136        136  17,000       0     211  12.5 s ago  cccccccccccc',
      'rack-3      17    136        136  17,000       4     211   0.3 s ago  cccccccccccc +1 other',
      '',
      'needs attention: 3 slaves (1 silent 3 s or more, 1 on other code, 2 with failures):',
      'slave       in flight  failed   last seen  code          why',
      'rack-2:120          8       0  12.5 s ago  cccccccccccc  silent',
      'rack-3:140          8       3   0.3 s ago  dddddddddddd  other code, failures',
      'rack-3:141          8       1   0.3 s ago  cccccccccccc  failures',
      '',
      '51 slaves summarised (past 50): tm-status --all-slaves prints a row each, --json all',
    ]);
    const all = body(statusTable({ ...report, slaves }, started, { allSlaves: true }));
    expect(all).toHaveLength(52);
    expect(all[51]).toMatch(/^rack-3:150 +rack-3 +150 +2 × 4 /);
  });

  it('says no slave stands out when none does, and cuts long host names in the middle', () => {
    const slaves = fleet(60).map((s) => ({ ...s, host: s.host === 'rack-1' ? 'a-very-long-host-name-in-the-first-rack.example.com' : s.host }));
    const lines = body(statusTable({ ...report, slaves }, started));
    expect(lines[2]).toMatch(/^a-very-long-…example\.com +17 +136 /);
    expect(lines).toContain('no slave stands out: none silent for 3 s, none failing, all on the same code');
  });

  it('reads durations as people do', () => {
    expect([duration(0.4), duration(59), duration(75), duration(4000)]).toEqual(['0 s', '59 s', '1 min 15 s', '1 h 6 min']);
  });
});

import { describe, expect, it } from 'vitest';
import type { SlaveStatus } from '../../../src/protocol/messages.js';
import { MAX_ATTENTION, MAX_HOST_ROWS, SILENT_MS, silentAfter, summarised, summariseSlaves } from '../../../src/master/observe/slave-summary.js';

const CODE = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

/** A healthy slave `i` of `host`: 2 × 4 lanes, 8 in flight, 100 done, heard from 200 ms ago. */
function slave(host: string, i: number, over: Partial<SlaveStatus> = {}): SlaveStatus {
  return { id: `${host}:${1000 + i}`, host, pid: 1000 + i, threads: 2, concurrency: 4, inFlight: 8, done: 100, failed: 0, rate: 10, lastSeenMs: 200, bundle: CODE, ...over };
}

/** `perHost` healthy slaves on each of `hosts` hosts named host-1, host-2, … */
function fleet(hosts: number, perHost: number): SlaveStatus[] {
  return Array.from({ length: hosts * perHost }, (_, n) => slave(`host-${Math.floor(n / perHost) + 1}`, n % perHost));
}

describe('the summary of a fleet', () => {
  it('is for more than 50 slaves: 50 are shown a row each, 51 summarised', () => {
    expect(summarised(fleet(5, 10))).toBe(false);
    expect(summarised(fleet(3, 17))).toBe(true);
  });

  it('adds up each host in a row, hosts in natural order, and names the slaves that stand out, worst first', () => {
    const slaves = fleet(12, 5);
    // host-3's third slave failed twice; host-7's first runs other code; host-10's second is silent 9 s, host-2's fourth 4 s.
    slaves[12] = slave('host-3', 2, { failed: 2, done: 98 });
    slaves[30] = slave('host-7', 0, { bundle: OTHER });
    slaves[46] = slave('host-10', 1, { lastSeenMs: 9000, inFlight: 3 });
    slaves[8] = slave('host-2', 3, { lastSeenMs: 4000 });
    const summary = summariseSlaves(slaves, 30_000);
    expect(summary.slaves).toBe(60);
    expect(summary.hosts).toBe(12);
    expect(summary.rows.map((row) => row.host)).toEqual(Array.from({ length: 12 }, (_, i) => `host-${i + 1}`));
    expect(summary.rest).toBeUndefined();
    expect(summary.rows[9]).toEqual({ host: 'host-10', slaves: 5, lanes: 40, inFlight: 35, done: 500, failed: 0, rate: 50, lastSeenMs: 9000, bundle: CODE, codes: 1 });
    expect(summary.rows[2]).toMatchObject({ host: 'host-3', failed: 2, done: 498 });
    expect(summary.rows[6]).toMatchObject({ host: 'host-7', bundle: CODE, codes: 2 });
    expect(summary.bundle).toBe(CODE);
    expect(summary.silentMs).toBe(SILENT_MS);
    expect(summary.attention.map(({ slave: s, why }) => [s.id, why])).toEqual([
      ['host-10:1001', ['silent']],
      ['host-2:1003', ['silent']],
      ['host-7:1000', ['other code']],
      ['host-3:1002', ['failures']],
    ]);
    expect(summary.standOut).toEqual({ silent: 2, 'other code': 1, failures: 1, total: 4 });
  });

  it('lists at most 10 slaves that stand out, and counts every one by reason', () => {
    // Failures on slaves 3, 6, … 78 (26 of them), and slave 5 silent with 1.
    const slaves = fleet(4, 20).map((s, i) => (i % 3 === 0 ? { ...s, failed: i } : s));
    slaves[5] = { ...slaves[5]!, lastSeenMs: 20_000, failed: 1 };
    const summary = summariseSlaves(slaves, 30_000);
    expect(summary.attention).toHaveLength(MAX_ATTENTION);
    expect(summary.attention[0]).toEqual({ slave: slaves[5], why: ['silent', 'failures'] });
    // Then the most failures first.
    expect(summary.attention.slice(1).map(({ slave: s }) => s.failed)).toEqual([78, 75, 72, 69, 66, 63, 60, 57, 54]);
    expect(summary.standOut).toEqual({ silent: 1, 'other code': 0, failures: 26 + 1, total: 27 });
  });

  it('keeps the 50 busiest hosts past 50 and adds the rest up in one row', () => {
    const slaves = fleet(60, 1).map((s, i) => ({ ...s, inFlight: i, bundle: i === 0 ? OTHER : CODE }));
    const summary = summariseSlaves(slaves);
    expect(summary.rows).toHaveLength(MAX_HOST_ROWS);
    expect(summary.rows[0]!.host).toBe('host-60');
    expect(summary.rows.at(-1)!.host).toBe('host-11');
    // The 10 least busy: host-1 (0 in flight, other code) … host-10 (9).
    expect(summary.rest).toEqual({ host: '10 more hosts', slaves: 10, lanes: 80, inFlight: 45, done: 1000, failed: 0, rate: 100, lastSeenMs: 200, bundle: CODE, codes: 2 });
  });

  it('calls a slave silent at half the lease, at most 3 s, and 3 s when the master did not say its lease', () => {
    expect([silentAfter(30_000), silentAfter(2000), silentAfter(undefined)]).toEqual([3000, 1000, 3000]);
    const slaves = fleet(1, 51);
    slaves[0] = { ...slaves[0]!, lastSeenMs: 1500 };
    expect(summariseSlaves(slaves, 2000).attention.map(({ why }) => why)).toEqual([['silent']]);
    expect(summariseSlaves(slaves).attention).toEqual([]);
  });

  it('says nothing of code when no slave said its code, and counts a slave that said none among others as other code', () => {
    const none = fleet(2, 30).map(({ bundle: _bundle, ...s }) => s);
    expect(summariseSlaves(none).bundle).toBeUndefined();
    expect(summariseSlaves(none).standOut.total).toBe(0);
    const mixed = [...fleet(2, 30), none[0]!];
    expect(summariseSlaves(mixed).attention.map(({ slave: s, why }) => [s.id, why])).toEqual([['host-1:1000', ['other code']]]);
  });
});

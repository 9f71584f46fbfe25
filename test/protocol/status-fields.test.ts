import { describe, expect, it } from 'vitest';
import { encodeMessage, pack } from '../../src/protocol/codec.js';
import type { StatusReport } from '../../src/protocol/messages.js';
import { decodeMasterMessage, decodeSlaveMessage } from '../../src/protocol/validate.js';

const report: StatusReport = {
  command: 'REPORT',
  run: 'run-1',
  module: 'tasks.ts',
  fn: 'getJobs',
  args: { n: '10' },
  state: 's.json',
  startedAt: 1_795_000_000_000,
  stopping: false,
  retryFailed: false,
  totals: { done: 5, failed: 0, total: 10, inFlight: 2, buffered: 3, size: 100, retrying: 0, watermark: 5, rate: 1.5, etaSeconds: 3.3, elapsedMs: 1000 },
  slaves: [{ id: 'a:1', host: 'a', pid: 1, threads: 1, concurrency: 1, inFlight: 2, done: 5, failed: 0, rate: 1.5, lastSeenMs: 10 }],
};

/** The REPORT with its payload changed by `edit`, as frames. */
function edited(edit: (payload: Record<string, unknown>) => void): Buffer[] {
  const { command, ...fields } = structuredClone(report) as unknown as Record<string, unknown>;
  edit(fields);
  return [Buffer.from(String(command)), pack(fields)];
}

describe('STATUS and REPORT', () => {
  it('takes a STATUS from anyone: it has no fields', () => {
    expect(decodeSlaveMessage(encodeMessage({ command: 'STATUS' }))).toEqual({ ok: true, message: { command: 'STATUS' } });
  });

  it.each([
    ['a slave row without an id', (p: Record<string, unknown>) => ((p.slaves as Array<Record<string, unknown>>)[0]!.id = undefined), /^slave\.id must be a string/],
    ['a negative count', (p: Record<string, unknown>) => ((p.totals as Record<string, unknown>).done = -1), /^totals\.done must be an integer from 0/],
    ['a host name with a terminal escape', (p: Record<string, unknown>) => ((p.slaves as Array<Record<string, unknown>>)[0]!.host = 'a\u001b[2J'), /^slave\.host must not contain control characters$/],
    ['args that are not strings', (p: Record<string, unknown>) => (p.args = { n: 10 }), /^args\.n must be a string/],
    ['a rate that is not a number', (p: Record<string, unknown>) => ((p.totals as Record<string, unknown>).rate = 'fast'), /^totals\.rate must be a finite number/],
    ['no totals', (p: Record<string, unknown>) => delete p.totals, /^totals is not an object$/],
    ['a lease of 0', (p: Record<string, unknown>) => (p.lease = 0), /^lease must be an integer from 1/],
  ])('refuses %s', (_what, edit, reason) => {
    const decoded = decodeMasterMessage(edited(edit));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });

  it("keeps the master's lease, and takes a report without one (an older master's)", () => {
    const withLease = decodeMasterMessage(encodeMessage({ ...report, lease: 30_000 }));
    expect(withLease.ok && withLease.message.command === 'REPORT' && withLease.message.lease).toBe(30_000);
    const without = decodeMasterMessage(encodeMessage(report));
    expect(without.ok && without.message.command === 'REPORT' && 'lease' in without.message).toBe(false);
  });

  it('pollutes nothing with an args key such as __proto__', () => {
    const decoded = decodeMasterMessage(edited((p) => (p.args = JSON.parse('{"__proto__": {"polluted": "yes"}}'))));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (decoded.ok && decoded.message.command === 'REPORT') expect(Object.getPrototypeOf(decoded.message.args)).toBe(Object.prototype);
  });
});

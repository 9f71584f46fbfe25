/** The per-job timings a DONE carries when the master keeps a job log (`wantTimings` in WELCOME). */
import { describe, expect, it } from 'vitest';
import { encodeMessage, pack } from '../../src/protocol/codec.js';
import type { Done, Welcome } from '../../src/protocol/messages.js';
import { readTimings, timingBytes, timingsAt } from '../../src/protocol/timings.js';
import { decodeMasterMessage, decodeSlaveMessage } from '../../src/protocol/validate.js';

const pairs = Float64Array.of(1_764_000_000_000.25, 0.5, 1_764_000_000_001, 0.75);
const done: Done = { command: 'DONE', run: 'r', seqs: [10, 2], failures: [], ms: 1.5, timings: timingBytes(pairs), credit: 4 };
const welcome: Welcome = { command: 'WELCOME', run: 'r', jobTimeout: 0, lease: 30_000, wantResults: false, wantTimings: true };

/** What a DONE payload with `timings` decodes to. */
function decodeDone(timings: unknown): ReturnType<typeof decodeSlaveMessage> {
  const { command: _command, ...payload } = done;
  return decodeSlaveMessage([Buffer.from('DONE'), pack({ ...payload, timings })]);
}

describe('DONE timings', () => {
  it('round-trip as a float64 [start, ms] pair per seq, read back aligned whatever the frame', () => {
    const decoded = decodeSlaveMessage(encodeMessage(done));
    expect(decoded.ok).toBe(true);
    const { timings } = (decoded as { message: Done }).message;
    expect([...readTimings(timings!)]).toEqual([...pairs]);
    expect(decodeMasterMessage(encodeMessage(welcome))).toEqual({ ok: true, message: welcome });
  });

  it('are optional, and so is wantTimings: a master or slave without them still talks to one with them', () => {
    const { timings: _timings, ...untimed } = done;
    expect(decodeSlaveMessage(encodeMessage(untimed))).toEqual({ ok: true, message: untimed });
    const { wantTimings: _want, ...plain } = welcome;
    expect(decodeMasterMessage(encodeMessage(plain))).toEqual({ ok: true, message: plain });
  });

  it.each([
    ['a pair short', timingBytes(Float64Array.of(1, 2))],
    ['a byte too many', new Uint8Array(33)],
    ['numbers, not bytes', [1, 2, 3, 4]],
    ['text', 'soon'],
  ])('are refused as %s', (_title, timings) => {
    expect(decodeDone(timings)).toEqual({ ok: false, reason: 'timings must be binary of 16 bytes per seq (32)' });
  });

  it('refuses a wantTimings that is not a boolean', () => {
    const { command: _command, ...payload } = welcome;
    expect(decodeMasterMessage([Buffer.from('WELCOME'), pack({ ...payload, wantTimings: 1 })])).toEqual({ ok: false, reason: 'wantTimings must be a boolean' });
  });

  it('picks the pairs of some jobs, in the order asked', () => {
    expect([...timingsAt(pairs, [1, 0])]).toEqual([1_764_000_000_001, 0.75, 1_764_000_000_000.25, 0.5]);
    expect(timingsAt(pairs, [])).toHaveLength(0);
  });
});

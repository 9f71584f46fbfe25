import { describe, expect, it } from 'vitest';
import { pack } from '../../src/protocol/codec.js';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { decodeMasterMessage, decodeSlaveMessage, reasonKind } from '../../src/protocol/validate.js';

/** A command frame and a packed payload, as a peer would send them. */
function frames(command: string, payload: unknown): Buffer[] {
  return [Buffer.from(command, 'latin1'), pack(payload)];
}

const hello = { version: PROTOCOL_VERSION, slave: 'host-a-3312-ab12', host: 'host-a', pid: 3312, threads: 8, concurrency: 4, capacity: 20_000 };

describe('text that reaches log lines', () => {
  it.each([
    ['a run id with a newline', decodeSlaveMessage, 'PING', { run: 'r\n[master] finished' }, 'run'],
    ['a run id with a terminal escape', decodeSlaveMessage, 'CREDIT', { run: '\u001b[2J', credit: 0 }, 'run'],
    ['a slave id with a C1 control', decodeSlaveMessage, 'HELLO', { ...hello, slave: 'a\u009bb' }, 'slave'],
    ['a host with a line separator', decodeSlaveMessage, 'HELLO', { ...hello, host: 'a\u2028b' }, 'host'],
    ['a reject reason with a carriage return', decodeMasterMessage, 'REJECT', { reason: 'no\rYES', rehello: false }, 'reason'],
  ])('refuses %s', (_, decode, command, payload, field) => {
    expect(decode(frames(command, payload))).toEqual({ ok: false, reason: `${field} must not contain control characters` });
  });

  it('accepts names outside ASCII that print', () => {
    expect(decodeSlaveMessage(frames('HELLO', { ...hello, host: 'hôte-ü' }))).toMatchObject({ ok: true });
  });

  it('quotes a command word with its unprintable bytes escaped', () => {
    expect(decodeSlaveMessage([Buffer.from([0x44, 0x0a, 0x1b, 0x9b, 0x22, 0x5c]), pack({})])).toEqual({ ok: false, reason: String.raw`unexpected command "D\x0a\x1b\x9b\"\\"` });
  });
});

describe('reasonKind', () => {
  it('is the same for faults of one kind, whatever the peer sent', () => {
    const kinds = new Set(
      [
        [Buffer.from('NOPE'), pack({})],
        [Buffer.from('x"y\\'), pack({})],
        [Buffer.from([0xff, 0x00]), pack({})],
      ].map((f) => {
        const decoded = decodeSlaveMessage(f);
        return decoded.ok ? 'decoded' : reasonKind(decoded.reason);
      }),
    );
    expect([...kinds]).toEqual(['unexpected command "…"']);
    expect(reasonKind('results must have one entry per seq (2239), got 2')).toBe(reasonKind('results must have one entry per seq (1), got 40'));
    expect(reasonKind('undecodable message: boom at 12')).toBe('undecodable message');
  });

  it('tells faults of different kinds apart', () => {
    expect(reasonKind('seqs has a bad count')).not.toBe(reasonKind('returned has a bad count'));
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/common/log.js';
import { Shipping } from '../../../src/master/dispatch/shipping.js';
import { PROTOCOL_VERSION, type Fetch, type Hello } from '../../../src/protocol/messages.js';

const code = { code: Buffer.from('export const handleJob = () => 1;'), sha256: '9f3e0a1b2c3d'.padEnd(64, '0'), fn: 'handleJob' };
const other = 'ab12cd34ef56'.padEnd(64, '1');
const fetch: Fetch = { command: 'FETCH', version: PROTOCOL_VERSION };
const peer = Buffer.from('peer');
const hello = (extra: Partial<Hello> = {}): Hello => ({ command: 'HELLO', version: PROTOCOL_VERSION, slave: 's', host: 'h', pid: 7, threads: 1, concurrency: 1, capacity: 10, ...extra });

/** A Shipping whose log lines land in `lines`. */
function shipping(options: Partial<ConstructorParameters<typeof Shipping>[0]> = {}): { shipping: Shipping; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger('master', 'debug', (line) => void lines.push(line));
  return { shipping: new Shipping({ shipped: code, trusted: true, logger, ...options }), lines };
}

describe('Shipping', () => {
  it('answers a FETCH with the code, its sha256 and its handler', () => {
    expect(shipping().shipping.answer(fetch, peer)).toEqual({ command: 'CODE', sha256: code.sha256, fn: 'handleJob', bundle: code.code });
  });

  it('refuses a FETCH, saying how to fix it, when it ships nothing, may not ship to whoever reaches it, or the version differs', () => {
    const refused = (s: Shipping, message = fetch): unknown => s.answer(message, peer);
    expect(refused(shipping({ shipped: undefined }).shipping)).toEqual({ command: 'REJECT', reason: 'this master ships no code: start the master with --ship, or start the slave with its own module', rehello: false });
    expect(refused(shipping({ trusted: false }).shipping)).toMatchObject({ command: 'REJECT', reason: expect.stringMatching(/^this master ships code only over CURVE or on a loopback address/) });
    expect(refused(shipping().shipping, { command: 'FETCH', version: PROTOCOL_VERSION - 1 })).toMatchObject({ command: 'REJECT', reason: `protocol version ${PROTOCOL_VERSION - 1} is not ${PROTOCOL_VERSION}` });
  });

  it('admits a slave that runs the code shipped, or says none, and refuses one that runs other code, naming both hashes', () => {
    const { shipping: s, lines } = shipping();
    expect(s.refusal(hello({ bundle: code.sha256 }))).toBeUndefined();
    expect(s.refusal(hello())).toBeUndefined();
    const why = 'this slave runs code ab12cd34ef56 but the master ships 9f3e0a1b2c3d';
    expect(s.refusal(hello({ bundle: other, name: 'old' }))).toEqual({ command: 'REJECT', reason: `${why}; update the slave's module, start it with no module to run the shipped code, or pass --allow-skew`, rehello: false });
    expect(lines.join('')).toContain(`refused slave old: ${why}`);
  });

  it('admits a skewed slave with a warning naming both hashes when the slave or the master allows skew', () => {
    for (const [options, extra] of [[{ allowSkew: true }, {}], [{}, { allowSkew: true }]] as const) {
      const { shipping: s, lines } = shipping(options);
      expect(s.refusal(hello({ bundle: other, name: 'old', ...extra }))).toBeUndefined();
      expect(lines).toEqual([expect.stringContaining('slave old: this slave runs code ab12cd34ef56 but the master ships 9f3e0a1b2c3d (admitted: --allow-skew)')]);
    }
  });

  it('checks no hash when it ships nothing', () => {
    expect(shipping({ shipped: undefined }).shipping.refusal(hello({ bundle: other }))).toBeUndefined();
  });
});

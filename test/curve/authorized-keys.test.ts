import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { AuthorizedKeys, parseAuthorizedKeys } from '../../src/curve/authorized-keys.js';
import { decodeKey } from '../../src/curve/keys.js';
import { createLogger } from '../../src/common/log.js';
import { tempDir } from '../helpers/processes.js';

let dir: ReturnType<typeof tempDir>;
let lines: string[];
const logger = () => createLogger('master', 'info', (line) => lines.push(line));
beforeEach(() => {
  dir = tempDir();
  lines = [];
});
afterEach(() => dir.remove());

const [a, b, c] = [curveKeyPair().publicKey, curveKeyPair().publicKey, curveKeyPair().publicKey] as [string, string, string];
const key = (z85: string): Buffer => decodeKey(z85)!;

describe('an authorized-keys file', () => {
  it('lists a key a line, with an optional name, skipping comments and blank lines', () => {
    const bad: unknown[] = [];
    const keys = parseAuthorizedKeys(`# slaves\n\n${a} gpu box 1\n  ${b}\nnonsense here\n`, (line, why) => bad.push([line, why]));
    expect(keys).toEqual([
      { key: key(a), name: 'gpu box 1' },
      { key: key(b), name: `${b.slice(0, 8)}…` },
    ]);
    expect(bad).toEqual([[5, '`nonsense` is not a Z85 CURVE public key (40 characters)']]);
  });

  it('admits listed keys and trusted ones, by name, and nothing else', () => {
    const file = join(dir.path, 'authorized_keys');
    writeFileSync(file, `${a} node-a\n`);
    const keys = new AuthorizedKeys(file, [b], logger());
    expect(keys.size).toBe(2);
    expect(keys.admit(key(a))).toBe('node-a');
    expect(keys.admit(key(b))).toBe('this command’s own slaves');
    expect(keys.admit(key(c))).toBeUndefined();
    expect(keys.admit(Buffer.alloc(31))).toBeUndefined();
  });

  it('is refused at start with the line that is wrong, or when it lists no key', () => {
    const file = join(dir.path, 'authorized_keys');
    writeFileSync(file, `${a}\n${a.slice(0, 39)}\n`);
    expect(() => new AuthorizedKeys(file, [], logger())).toThrow(/--authorized-keys \S+authorized_keys, line 2: `\S+` is not a Z85 CURVE public key/);
    writeFileSync(file, '# nobody yet\n');
    expect(() => new AuthorizedKeys(file, [], logger())).toThrow(/lists no key: no slave could get in/);
    expect(() => new AuthorizedKeys(join(dir.path, 'nope'), [], logger())).toThrow(/cannot read --authorized-keys \S+nope: ENOENT/);
  });

  it('is read again when it changes: added keys get in, removed ones no longer do', () => {
    const file = join(dir.path, 'authorized_keys');
    writeFileSync(file, `${a} node-a\n`);
    const keys = new AuthorizedKeys(file, [], logger());
    expect(keys.admit(key(b))).toBeUndefined();
    writeFileSync(file, `${b} node-b\nbroken line\n`);
    expect(keys.admit(key(b))).toBe('node-b');
    expect(keys.admit(key(a))).toBeUndefined();
    expect(lines.join('')).toMatch(/line 2: `broken` is not a Z85 CURVE public key .*; skipped/);
    expect(lines.join('')).toMatch(/read --authorized-keys \S+ again: 1 key/);
  });

  it('admits none of its keys while the file is gone (fails closed), and the trusted ones still', () => {
    const file = join(dir.path, 'authorized_keys');
    writeFileSync(file, `${a}\n`);
    const keys = new AuthorizedKeys(file, [b], logger());
    rmSync(file);
    expect(keys.admit(key(a))).toBeUndefined();
    expect(keys.admit(key(b))).toBeDefined();
    expect(lines.join('')).toMatch(/cannot read --authorized-keys \S+ \(ENOENT\): admitting none of its keys until it is back/);
  });
});

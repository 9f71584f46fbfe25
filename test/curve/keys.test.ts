import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { decodeKey, publicKeyOf, readPublicKey, readSecretKey, significantLines, writeKeyPair } from '../../src/curve/keys.js';
import { z85Decode, z85Encode } from '../../src/curve/z85.js';
import { tempDir } from '../helpers/processes.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

describe('Z85', () => {
  it('encodes the RFC 32 example', () => {
    const bytes = Uint8Array.of(0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect([...z85Decode('HelloWorld')!]).toEqual([...bytes]);
  });

  it('round-trips any whole words, and refuses what is not Z85', () => {
    const words = fc.uint8Array({ maxLength: 64 }).filter((b) => b.length % 4 === 0);
    fc.assert(
      fc.property(words, (bytes) => {
        expect([...z85Decode(z85Encode(bytes))!]).toEqual([...bytes]);
      }),
    );
    expect(z85Decode('Hello')).toBeDefined();
    expect(z85Decode('Hell')).toBeUndefined();
    expect(z85Decode('Hell"')).toBeUndefined();
    expect(z85Decode('%%%%%')).toBeUndefined(); // past 2^32
  });
});

describe('CURVE keys', () => {
  it('derives the public key libzmq pairs with a secret key', () => {
    for (let i = 0; i < 20; i++) {
      const pair = curveKeyPair();
      expect(publicKeyOf(pair.secretKey)).toBe(pair.publicKey);
      expect(decodeKey(pair.publicKey)).toHaveLength(32);
    }
  });

  it('writes NAME.key with mode 0600 and NAME.pub as an authorized-keys line, and reads them back', () => {
    const pair = curveKeyPair();
    const name = join(dir.path, 'node-a');
    const files = writeKeyPair(name, pair);
    expect(files).toEqual({ secretFile: `${name}.key`, publicFile: `${name}.pub`, publicKey: pair.publicKey });
    expect(statSync(files.secretFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(files.publicFile, 'utf8')).toMatch(new RegExp(`^${escape(pair.publicKey)} node-a@\\S+\\n$`));
    const warnings: string[] = [];
    expect(readSecretKey(files.secretFile, 'curve-secret', (w) => warnings.push(w))).toEqual(pair);
    expect(warnings).toEqual([]);
    expect(readPublicKey(files.publicFile, 'server-key')).toBe(pair.publicKey);
  });

  it('refuses to overwrite a key file', () => {
    const name = join(dir.path, 'taken');
    writeFileSync(`${name}.pub`, 'something\n');
    expect(() => writeKeyPair(name)).toThrow(/taken\.pub already exists: remove it, or pick another --out/);
  });

  it('warns, naming the file and the fix, about a secret key group or others can read', () => {
    const { secretFile } = writeKeyPair(join(dir.path, 'loose'));
    chmodSync(secretFile, 0o644);
    const warnings: string[] = [];
    readSecretKey(secretFile, 'curve-secret', (w) => warnings.push(w));
    expect(warnings).toEqual([`warning: the secret key ${secretFile} (--curve-secret) can be read by group or others (mode 0644): run chmod 600 ${secretFile}`]);
  });

  it('refuses a key file that holds no key, or two, naming the flag', () => {
    const file = join(dir.path, 'bad.key');
    for (const text of ['', '# only a comment\n', 'not-a-key\n', `${curveKeyPair().secretKey}\n${curveKeyPair().secretKey}\n`]) {
      writeFileSync(file, text, { mode: 0o600 });
      expect(() => readSecretKey(file, 'curve-secret', () => {})).toThrow(/Expected --curve-secret \S+bad\.key to hold one Z85 CURVE secret key/);
    }
    expect(() => readPublicKey(join(dir.path, 'missing.pub'), 'server-key')).toThrow(/cannot read --server-key \S+missing\.pub: ENOENT/);
  });

  it('takes a line that starts with # as a comment, and a # inside a key (a Z85 character) as the key’s', () => {
    let key = curveKeyPair().publicKey;
    while (!key.includes('#')) key = curveKeyPair().publicKey;
    expect(significantLines(`# a comment\n\n  ${key} node-b\n#${key}\n`)).toEqual([{ line: 3, text: `${key} node-b` }]);
    expect(z85Decode(`#${key.slice(1, 5)}`)).toBeUndefined();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * CURVE keys and their files. `NAME.key` holds a secret key (Z85, mode 0600); `NAME.pub` its
 * public key as one line of an authorized-keys file (the key, then a name), so that
 * `cat slave.pub >> authorized_keys` is how a slave is let in. A public key is derived from its
 * secret (CURVE is X25519), so a secret key file is all a side needs of its own pair.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { UsageError } from '../common/errors.js';
import { z85Decode, z85Encode } from './z85.js';

/** A CURVE key pair, both keys in Z85 (40 characters). */
export interface KeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

/** The NAME of the files tm-keygen writes unless told another (`--out`). */
export const DEFAULT_KEY_NAME = 'taskmaster';

/** Bytes of a CURVE key. */
export const KEY_BYTES = 32;

/** PKCS#8 DER of an X25519 private key, up to the 32 key bytes. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The 32 bytes of a Z85 key, or undefined when `word` is not one. */
export function decodeKey(word: string): Buffer | undefined {
  const bytes = word.length === 40 ? z85Decode(word) : undefined;
  return bytes?.length === KEY_BYTES ? bytes : undefined;
}

/** The public key of a Z85 secret key: X25519 of the secret and the base point, as libzmq computes it. */
export function publicKeyOf(secretKey: string): string {
  const secret = decodeKey(secretKey);
  if (secret === undefined) throw new UsageError('not a Z85 CURVE secret key (40 characters)');
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return z85Encode(spki.subarray(spki.length - KEY_BYTES));
}

/**
 * The lines of a key file that say something: blank lines and `#` comments dropped. Only a line
 * that starts with `#` is a comment: `#` is a Z85 character, so one inside a key is the key's
 * (and none starts with it: a 5-character group starting with `#` would be past 2^32).
 */
export function significantLines(text: string): Array<{ readonly line: number; readonly text: string }> {
  return text
    .split('\n')
    .map((raw, i) => ({ line: i + 1, text: raw.trim() }))
    .filter((entry) => entry.text !== '' && !entry.text.startsWith('#'));
}

/** A file's text, or a usage error naming the flag it was given as. */
function readKeyText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/** The one key of a key file (its first word), or a usage error saying what the file should hold. */
function onlyKey(file: string, flag: string, kind: 'secret' | 'public'): string {
  const lines = significantLines(readKeyText(file, flag));
  const word = lines[0]?.text.split(/\s+/, 1)[0] ?? '';
  if (lines.length !== 1 || decodeKey(word) === undefined) {
    const hint = kind === 'secret' ? 'a NAME.key that tm-keygen wrote' : 'a NAME.pub that tm-keygen wrote';
    throw new UsageError(`Expected --${flag} ${file} to hold one Z85 CURVE ${kind} key (40 characters), as in ${hint}`);
  }
  return word;
}

/**
 * Reads a secret key file into its key pair. A file that group or others may read is used, with
 * a warning through `warn`: whoever reads it can pose as this side.
 */
export function readSecretKey(file: string, flag: string, warn: (message: string) => void): KeyPair {
  const secretKey = onlyKey(file, flag, 'secret');
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warn(`warning: the secret key ${file} (--${flag}) can be read by group or others (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 ${file}`);
  }
  return { publicKey: publicKeyOf(secretKey), secretKey };
}

/** Reads a public key file (`NAME.pub`: the key, maybe followed by a name). */
export function readPublicKey(file: string, flag: string): string {
  return onlyKey(file, flag, 'public');
}

/** The files `writeKeyPair` wrote. */
export interface KeyFiles {
  readonly secretFile: string;
  readonly publicFile: string;
  readonly publicKey: string;
}

/**
 * Writes `NAME.key` (the secret, mode 0600) and `NAME.pub` (the public key and a name, as an
 * authorized-keys line). Refuses to overwrite either: a key pair replaced by mistake locks out
 * every host that trusted it.
 */
export function writeKeyPair(name: string, pair: KeyPair = curveKeyPair()): KeyFiles {
  const secretFile = `${name}.key`;
  const publicFile = `${name}.pub`;
  for (const file of [secretFile, publicFile]) {
    if (existsSync(file)) throw new UsageError(`${file} already exists: remove it, or pick another --out`);
  }
  const label = `${basename(name)}@${hostname()}`;
  writeNew(secretFile, 0o600, `# taskmaster CURVE secret key of ${label}: keep it on this host, readable by its owner only.\n${pair.secretKey}\n`);
  writeNew(publicFile, 0o644, `${pair.publicKey} ${label}\n`);
  return { secretFile, publicFile, publicKey: pair.publicKey };
}

/** Creates `file` with `mode` (never an existing one), whatever the umask. */
function writeNew(file: string, mode: number, text: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', mode);
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  try {
    fchmodSync(fd, mode);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

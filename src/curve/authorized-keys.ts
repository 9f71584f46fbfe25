/**
 * The public keys a CURVE master admits: an `authorized_keys`-style file (one Z85 key a line,
 * maybe followed by a name; `#` comments and blank lines), plus keys the program trusts itself
 * (tm-run's own slaves). The file is read again when it changes, at the next handshake.
 */
import { statSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { readTextOr } from '../common/read-or-default.js';
import { decodeKey, KEY_BYTES, significantLines } from './keys.js';
import { plural } from '../common/plural.js';

export interface AuthorizedKey {
  readonly key: Buffer;
  /** The words after the key, or the key's first characters when it has none. */
  readonly name: string;
}

/** The keys of an authorized-keys file's text; `bad` gets each line that holds no key (its number and why). */
export function parseAuthorizedKeys(text: string, bad: (line: number, why: string) => void): AuthorizedKey[] {
  const keys: AuthorizedKey[] = [];
  for (const { line, text: content } of significantLines(text)) {
    const [word = '', ...rest] = content.split(/\s+/);
    const key = decodeKey(word);
    if (key === undefined) bad(line, `\`${word.slice(0, 48)}\` is not a Z85 CURVE public key (40 characters)`);
    else keys.push({ key, name: rest.join(' ') || `${word.slice(0, 8)}…` });
  }
  return keys;
}

/** What a file's stat says about whether it changed. */
function fingerprint(file: string): string | undefined {
  try {
    const stat = statSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}

export class AuthorizedKeys {
  readonly #file: string | undefined;
  readonly #trusted: readonly AuthorizedKey[];
  readonly #logger: Logger;
  #keys: readonly AuthorizedKey[] = [];
  #seen: string | undefined;

  /** Reads `file` (a bad line or an unreadable file is a usage error now, a warning on a later reading) and adds the Z85 `trusted` keys. */
  constructor(file: string | undefined, trusted: readonly string[], logger: Logger) {
    this.#file = file;
    this.#logger = logger;
    this.#trusted = trusted.map((word) => {
      const key = decodeKey(word);
      if (key === undefined) throw new UsageError(`Expected a Z85 CURVE public key to trust, got \`${word}\``);
      return { key, name: 'this command’s own slaves' };
    });
    if (file === undefined) return;
    this.#seen = fingerprint(file);
    const text = readTextOr(file, (error) => {
      throw new UsageError(`cannot read --authorized-keys ${file}: ${error.code ?? error.message}`, { cause: error });
    });
    this.#keys = parseAuthorizedKeys(text, (line, why) => {
      throw new UsageError(`--authorized-keys ${file}, line ${line}: ${why}`);
    });
    if (this.#keys.length === 0 && trusted.length === 0) throw new UsageError(`--authorized-keys ${file} lists no key: no slave could get in`);
  }

  /** How many keys are admitted now. */
  get size(): number {
    return this.#keys.length + this.#trusted.length;
  }

  /**
   * The name of `key` if it is admitted, else undefined. Every listed key is compared, each in
   * constant time, so how long it takes says nothing about how near a key came.
   */
  admit(key: Uint8Array): string | undefined {
    this.#reloadIfChanged();
    if (key.length !== KEY_BYTES) return undefined;
    let found: string | undefined;
    for (const entry of [...this.#keys, ...this.#trusted]) {
      if (timingSafeEqual(entry.key, key) && found === undefined) found = entry.name;
    }
    return found;
  }

  /**
   * Reads the file again if its stat changed. A file gone or unreadable admits none of its keys
   * (fail closed); a line that holds no key is skipped, with a warning.
   */
  #reloadIfChanged(): void {
    const file = this.#file;
    if (file === undefined) return;
    const now = fingerprint(file);
    if (now === this.#seen) return;
    this.#seen = now;
    const text = readTextOr(file, (error) => {
      this.#logger.warn(`cannot read --authorized-keys ${file} (${error.code ?? error.message}): admitting none of its keys until it is back`);
      return '';
    });
    this.#keys = parseAuthorizedKeys(text, (line, why) => this.#logger.warn(`--authorized-keys ${file}, line ${line}: ${why}; skipped`));
    this.#logger.info(`read --authorized-keys ${file} again: ${plural(this.#keys.length, 'key')}`);
  }
}

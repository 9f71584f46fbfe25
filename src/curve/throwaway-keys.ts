/**
 * A key pair made for one command's own slaves (tm-run's): written to a private temp dir with
 * the master's public key beside it, so its slaves start like any other, and removed at exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { writeKeyPair } from './keys.js';

export interface ThrowawayKeys {
  /** The slaves' public key, for the master to trust. */
  readonly publicKey: string;
  /** The flags that give a slave the keys: `--curve-secret FILE --server-key FILE`. */
  readonly slaveArgs: readonly string[];
  /** Removes the files (also done at exit). */
  remove(): void;
}

/** Makes a slave key pair for a master whose public key is `serverKey`. */
export function throwawayKeys(serverKey: string): ThrowawayKeys {
  const dir = mkdtempSync(join(tmpdir(), 'tm-keys-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  const { secretFile, publicKey } = writeKeyPair(join(dir, 'slave'), curveKeyPair());
  const serverFile = join(dir, 'server.pub');
  writeFileSync(serverFile, `${serverKey} master\n`);
  return { publicKey, slaveArgs: ['--curve-secret', secretFile, '--server-key', serverFile], remove };
}

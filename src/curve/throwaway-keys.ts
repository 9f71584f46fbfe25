/**
 * A key pair made for one group of slaves of one run (tm-run's own, each host of `--hosts`),
 * kept in memory: the slaves get it over their stdin (`--keys-stdin`), so no key file exists at
 * all, and the master trusts its public key for this run only.
 */
import { curveKeyPair } from 'zeromq';
import type { StdinKeys } from './stdin-keys.js';

export interface ThrowawayKeys {
  /** The slaves' public key, for the master to trust. */
  readonly publicKey: string;
  /** What the slaves are handed over stdin: their secret key and the master's public key. */
  readonly keys: StdinKeys;
}

/** Makes a slave key pair for a master whose public key is `serverKey`. */
export function throwawayKeys(serverKey: string): ThrowawayKeys {
  const { publicKey, secretKey } = curveKeyPair();
  return { publicKey, keys: { secretKey, serverKey } };
}

/** CURVE settings of each side, read from the files its flags name and checked at the boundary. */
import { resolve } from 'node:path';
import { capability } from 'zeromq';
import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { AuthorizedKeys } from './authorized-keys.js';
import { publicKeyOf, readPublicKey, readSecretKey, type KeyPair } from './keys.js';
import type { StdinKeys } from './stdin-keys.js';
import { ZAP_DOMAIN } from './zap-handler.js';

/** A master's CURVE: its own key pair, and the keys it admits. */
export interface ServerCurve {
  readonly pair: KeyPair;
  readonly keys: AuthorizedKeys;
  /** How log lines name where the keys come from. */
  readonly keysFile: string;
}

/** A client's CURVE (a slave, tm-status): its own key pair and the master's public key. */
export interface ClientCurve {
  readonly pair: KeyPair;
  readonly serverKey: string;
}

/** Refuses CURVE settings when this zeromq build cannot encrypt: such a socket would fail at every handshake. */
export function checkCurveCapability(): void {
  if (!capability.curve) {
    throw new UsageError('this build of zeromq has no CURVE (capability.curve is false), so it cannot use --curve-secret: install a zeromq package built with CURVE');
  }
}

export interface ServerCurveFiles {
  readonly curveSecret: string | undefined;
  readonly authorizedKeys: string | undefined;
  /** Z85 public keys admitted besides the file's. */
  readonly trustedKeys: readonly string[];
  /** The master's key pair in memory, instead of `curveSecret` (tm-run --hosts makes one per run). */
  readonly pair?: KeyPair | undefined;
}

/** A master's CURVE from its files, or undefined without `--curve-secret`; a key half given is a usage error. */
export function serverCurve(files: ServerCurveFiles, logger: Logger): ServerCurve | undefined {
  const { curveSecret, authorizedKeys, trustedKeys, pair: inMemory } = files;
  if (inMemory !== undefined) {
    if (curveSecret !== undefined) throw new UsageError('a master takes --curve-secret or a key pair in memory (curveKeys), not both');
    checkCurveCapability();
    return { pair: inMemory, keys: new AuthorizedKeys(authorizedKeys, trustedKeys, logger), keysFile: authorizedKeys ?? 'the keys this command trusts' };
  }
  if (curveSecret === undefined) {
    if (authorizedKeys !== undefined) throw new UsageError('--authorized-keys needs --curve-secret: the master’s own secret key (see tm-keygen)');
    return undefined;
  }
  if (authorizedKeys === undefined && trustedKeys.length === 0) {
    throw new UsageError('--curve-secret needs --authorized-keys: a file of the public keys of the slaves to admit, one a line');
  }
  checkCurveCapability();
  const pair = readSecretKey(curveSecret, 'curve-secret', (message) => logger.warn(message));
  return { pair, keys: new AuthorizedKeys(authorizedKeys, trustedKeys, logger), keysFile: authorizedKeys ?? 'the keys this command trusts' };
}

export interface ClientCurveFiles {
  readonly curveSecret: string | undefined;
  readonly serverKey: string | undefined;
  /** Where relative paths start. @default process.cwd() */
  readonly cwd?: string;
  /** The keys in memory, instead of the files (`--keys-stdin`). */
  readonly keys?: StdinKeys | undefined;
}

/** A client's CURVE from its files, or undefined with neither; one without the other is a usage error. */
export function clientCurve(files: ClientCurveFiles, warn: (message: string) => void): ClientCurve | undefined {
  const at = (file: string | undefined): string | undefined => file && resolve(files.cwd ?? process.cwd(), file);
  const [curveSecret, serverKey] = [at(files.curveSecret), at(files.serverKey)];
  if (files.keys !== undefined) {
    if (curveSecret !== undefined || serverKey !== undefined) throw new UsageError('--keys-stdin cannot be used with --curve-secret or --server-key: the keys come over stdin');
    checkCurveCapability();
    return { pair: { publicKey: publicKeyOf(files.keys.secretKey), secretKey: files.keys.secretKey }, serverKey: files.keys.serverKey };
  }
  if (curveSecret === undefined && serverKey === undefined) return undefined;
  if (curveSecret === undefined) throw new UsageError('--server-key needs --curve-secret: this side’s own secret key (see tm-keygen)');
  if (serverKey === undefined) throw new UsageError('--curve-secret needs --server-key: the master’s public key file (its NAME.pub)');
  checkCurveCapability();
  return { pair: readSecretKey(curveSecret, 'curve-secret', warn), serverKey: readPublicKey(serverKey, 'server-key') };
}

/** Socket options of a CURVE server: encrypts, and lets the ZAP handler decide who gets in (fails closed). */
export function serverSocketOptions(curve: ServerCurve) {
  return { curveServer: true, curveSecretKey: curve.pair.secretKey, zapDomain: ZAP_DOMAIN, zapEnforceDomain: true } as const;
}

/** Socket options of a CURVE client of `curve.serverKey`. */
export function clientSocketOptions(curve: ClientCurve | undefined) {
  if (curve === undefined) return {};
  return { curveServerKey: curve.serverKey, curvePublicKey: curve.pair.publicKey, curveSecretKey: curve.pair.secretKey } as const;
}

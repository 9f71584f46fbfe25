import { availableParallelism } from 'node:os';
import { checkEndpoint } from '../common/check-endpoint.js';
import { checkInteger } from '../common/check-integer.js';
import { checkName } from '../common/check-name.js';
import { resolveModule } from '../task/load.js';
import type { LogLevel } from '../common/log.js';
import { DEFAULT_ADDRESS, MAX_CONCURRENCY } from '../protocol/messages.js';
import type { PoolOptions } from './pool.js';
import type { StdinKeys } from '../curve/stdin-keys.js';

/** Everything a slave can be told; `bin/tm-slave` builds it from flags. */
export interface SlaveOptions {
  /**
   * Task module: a file path or package specifier. Omitted: the slave runs the handler its master
   * ships (`--ship`), fetched over CURVE (`serverKey`) or from a loopback address only. @default none
   */
  readonly module?: string | undefined;
  /** Handler export (of the slave's own module; shipped code comes with the master's). @default 'handleJob' */
  readonly fn?: string;
  /** The master's endpoint. @default 'tcp://127.0.0.1:3050' */
  readonly address?: string;
  /** Worker threads. @default the number of CPUs */
  readonly threads?: number;
  /** Jobs each thread runs at once (only handlers that await interleave: for I/O). @default 1 */
  readonly concurrency?: number;
  /** Most jobs held at once, queued and running. @default 20000 */
  readonly maxCredit?: number;
  /** What the master's log lines and tm-status call this slave. @default `host:pid` */
  readonly name?: string;
  /** This slave's CURVE secret key file (tm-keygen); with `serverKey`, CURVE is on. @default none */
  readonly curveSecret?: string;
  /** The master's public key file (its NAME.pub). @default none */
  readonly serverKey?: string;
  /** Both keys in memory instead of the files (`--keys-stdin`): no key of it is ever on disk. @default none */
  readonly curveKeys?: StdinKeys | undefined;
  /**
   * Milliseconds without a master (none has welcomed the slave since it started, or since its
   * master went away) after which the slave ends, its summary's reason `gave-up`. 0: it waits for ever.
   * @default 0
   */
  readonly giveUpAfter?: number;
  /** Ask the master to admit this slave even when its code differs from what it ships (`--allow-skew`). @default false */
  readonly allowSkew?: boolean;
  /** Packages left out of the bundle whose hash this slave says, as the master's `--ship-external`. @default [] */
  readonly shipExternal?: readonly string[];
  /**
   * The sha256 of the code this slave runs, when the caller knows it, or false to say none (tm-run's
   * own slaves load the master's very file, and need not pay for esbuild). @default its module's bundle's
   */
  readonly bundleHash?: string | false | undefined;
  /** @default 'info' */
  readonly logLevel?: LogLevel;
  /** Directory relative module paths resolve against. @default process.cwd() */
  readonly cwd?: string;
}

type Optional = 'name' | 'curveSecret' | 'serverKey' | 'module' | 'bundleHash' | 'curveKeys';
export type ResolvedSlaveOptions = Required<Omit<SlaveOptions, Optional>> & { readonly [K in Exclude<Optional, 'bundleHash' | 'curveKeys'>]: string | undefined } & Pick<SlaveOptions, 'bundleHash' | 'curveKeys'>;

/** Every fixed default of a slave, declared once: the options, the flags and `--help` read them here. */
export const SLAVE_DEFAULTS = {
  fn: 'handleJob',
  address: DEFAULT_ADDRESS,
  concurrency: 1,
  maxCredit: 20_000,
  giveUpAfter: 0,
  allowSkew: false,
  shipExternal: [] as readonly string[],
  logLevel: 'info',
} as const;

/** Applies defaults once. */
export function resolveSlaveOptions(options: SlaveOptions): ResolvedSlaveOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SlaveOptions;
  const { name, curveSecret, serverKey, module, curveKeys } = options;
  return { ...SLAVE_DEFAULTS, threads: availableParallelism(), cwd: process.cwd(), ...defined, name, curveSecret, serverKey, module, curveKeys };
}

/**
 * Checks a slave's options before its threads start (a bad address would otherwise fail after
 * them, leaving them running) and returns what its pool starts with.
 */
export function slavePoolOptions(options: ResolvedSlaveOptions & { readonly module: string }): PoolOptions {
  checkSlaveOptions(options);
  return { url: resolveModule(options.module, options.cwd), fn: options.fn, threads: options.threads, concurrency: options.concurrency, jobTimeout: 0 };
}

/** Checks what a slave needs before it fetches code or starts threads. */
export function checkSlaveOptions(options: ResolvedSlaveOptions): void {
  checkEndpoint(options.address, 'connect');
  checkInteger('threads', options.threads, 1);
  // The master refuses a HELLO claiming more.
  checkInteger('concurrency', options.concurrency, 1, undefined, MAX_CONCURRENCY);
  checkName('name', options.name);
  checkInteger('give-up-after', options.giveUpAfter, 0);
}

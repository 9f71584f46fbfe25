import { checkInteger } from '../common/check-integer.js';
import { UsageError } from '../common/errors.js';
import type { JobArgs } from '../task/task.js';
import type { KeyPair } from '../curve/keys.js';
import type { LogLevel } from '../common/log.js';
import { DEFAULT_ADDRESS } from '../protocol/messages.js';
import { parseMaxFailures } from './controls/failure-limit.js';
import { parseRate } from './controls/rate-limit.js';

/** Everything a master can be told; `bin/tm-master` builds it from flags. */
/** `handleResult` as the master calls it: with the values msgpack decoded, whatever the module declares. */
export type ResultHandler = (result: unknown, job: unknown) => unknown;

export interface MasterOptions {
  /** Task module: a file path or package specifier. */
  readonly module: string;
  /** Generator export. @default 'getJobs' */
  readonly fn?: string;
  /** `key=value` words, passed to `getJobs` and `countJobs`. @default {} */
  readonly args?: JobArgs;
  /** ZeroMQ endpoint to bind; `tcp://127.0.0.1:*` picks a free port. @default 'tcp://127.0.0.1:3050' */
  readonly address?: string;
  /** Most jobs buffered ahead of dispatch. @default 10000 */
  readonly size?: number;
  /** State file. @default `./.taskmaster/<module>-<fn>-<hash of args>.state.json` */
  readonly state?: string;
  /** Forget any earlier state and start over. @default false */
  readonly reset?: boolean;
  /**
   * Run only the dead-lettered jobs of the state, then rewrite its dead-letter file with those
   * that still fail (see `RetryFailed`). @default false
   */
  readonly retryFailed?: boolean;
  /** Milliseconds between snapshots (and fsyncs of the completion log). @default 1000 */
  readonly checkpointInterval?: number;
  /** Retries of a failing job before it is dead-lettered. @default 3 */
  readonly retries?: number;
  /** Base of the exponential retry backoff, in ms. @default 1000 */
  readonly retryBackoff?: number;
  /** Milliseconds a handler may run before it counts as failed; 0 for no limit. @default 0 */
  readonly jobTimeout?: number;
  /** Milliseconds of silence after which a slave's jobs go to others. @default 30000 */
  readonly lease?: number;
  /** Milliseconds a graceful stop waits for in-flight jobs. @default 10000 */
  readonly grace?: number;
  /**
   * Milliseconds without a heartbeat after which the state lock of a master on another host (or
   * boot) is free; the holder beats every third of it. At least 3000. @default 30000
   */
  readonly lockStale?: number;
  /** Most jobs started per unit of time across all slaves: `'500/s'` or `'30/min'`. @default no limit */
  readonly rate?: string | undefined;
  /**
   * Stop the run (exit 1, resumable) once its dead letters pass `N`, or `'P%'` of its finished
   * jobs (once 100 have finished). Counted over this master's run, not the state's. @default no limit
   */
  readonly maxFailures?: string | number | undefined;
  /** Dispatch at most this many more jobs, then end as a stop that a later run carries on from. @default no limit */
  readonly limit?: number | undefined;
  /** Append one JSON line per finished attempt to this file (JSONL). @default none */
  readonly joblog?: string | undefined;
  /**
   * Append a `{"seq","job","result"}` JSON line per job whose handler returned a value (not
   * undefined) to this file, each written before its job counts as done; a resume cuts what no
   * finished job accounts for. @default none
   */
  readonly resultsFile?: string | undefined;
  /** Directory of the channel files, `<name>.jsonl`, that handlers' `channels()` output goes to, as `resultsFile`. @default none */
  readonly channelsDir?: string | undefined;
  /**
   * Called in the master with each success's result and job, after the module's `handleResult`;
   * the run waits for it, and a throw fails the job as one of `handleResult` does. @default none
   */
  readonly onResult?: ResultHandler | undefined;
  /**
   * Called with the endpoint once the socket is bound, before the module loads and the state
   * opens, so slaves started now start up meanwhile; not called for a run whose state says it
   * finished (nor `--retry-failed`): start them on `needsSlaves` then. @default none
   */
  readonly onListening?: ((endpoint: string) => void) | undefined;
  /** Allow binding a non-loopback address without CURVE, over which jobs travel unencrypted. @default false */
  readonly insecure?: boolean;
  /** The master's CURVE secret key file (tm-keygen): turns CURVE on, with `authorizedKeys`. @default none */
  readonly curveSecret?: string;
  /**
   * The master's CURVE key pair in memory, instead of `curveSecret`: tm-run `--hosts` makes one
   * for its run, so no secret of it is ever written to disk. @default none
   */
  readonly curveKeys?: KeyPair | undefined;
  /** File of the public keys of the slaves to admit, one a line; read again when it changes. @default none */
  readonly authorizedKeys?: string;
  /** Z85 public keys admitted besides the file's (tm-run's own slaves). @default [] */
  readonly trustedKeys?: readonly string[];
  /**
   * Ship this handler to slaves that ask for it (`--ship`): `module` (a path from `cwd`, or a
   * package) is bundled into one file at start, and a slave started with no module fetches it
   * (over CURVE, or on a loopback bind) and runs its `fn`. Slaves that say they run other code are
   * refused at HELLO, unless `allowSkew`. @default none
   */
  readonly ship?: ShipOptions | undefined;
  /** Admit slaves whose code differs from what the master ships, with a warning (`--allow-skew`). @default false */
  readonly allowSkew?: boolean;
  /** @default 'info' */
  readonly logLevel?: LogLevel;
  /** Directory relative paths resolve against. @default process.cwd() */
  readonly cwd?: string;
}

/** The handler a master ships (`MasterOptions.ship`). */
export interface ShipOptions {
  /** The slaves' task module: for tm-master its own, for tm-run the slaves' target. */
  readonly module: string;
  /** Handler export the slaves run. @default 'handleJob' */
  readonly fn?: string | undefined;
  /** Packages left as imports, resolved on each slave's host (`--ship-external`). @default [] */
  readonly external?: readonly string[] | undefined;
}

type OptionalFiles = 'state' | 'curveSecret' | 'authorizedKeys';
export type ResolvedMasterOptions = Required<Omit<MasterOptions, OptionalFiles | Unlimited>> & { readonly [K in OptionalFiles]: string | undefined } & Pick<MasterOptions, Unlimited>;
/** Options whose absence means no limit, or nothing to call. */
type Unlimited = 'curveKeys' | 'rate' | 'maxFailures' | 'limit' | 'joblog' | 'onResult' | 'onListening' | 'resultsFile' | 'channelsDir' | 'ship';

/** Heartbeats of the state lock in one `--lock-stale`: a holder must miss this many before its lock is free. */
export const LOCK_HEARTBEATS = 3;
/** The shortest heartbeat: more often would load a shared filesystem for nothing. */
export const MIN_HEARTBEAT_MS = 1000;

/** Every default of a master, declared once: the options, the flags and `--help` read them here. */
export const MASTER_DEFAULTS = {
  fn: 'getJobs',
  args: {},
  address: DEFAULT_ADDRESS,
  size: 10_000,
  reset: false,
  retryFailed: false,
  checkpointInterval: 1000,
  retries: 3,
  retryBackoff: 1000,
  jobTimeout: 0,
  lease: 30_000,
  grace: 10_000,
  lockStale: 30_000,
  insecure: false,
  trustedKeys: [] as readonly string[],
  allowSkew: false,
  logLevel: 'info',
} as const;

/** Applies defaults once, and checks what they cannot make right. */
export function resolveMasterOptions(options: MasterOptions): ResolvedMasterOptions {
  const { state, curveSecret, authorizedKeys } = options;
  const resolved = { ...MASTER_DEFAULTS, cwd: process.cwd(), ...stripUndefined(options), module: options.module, state, curveSecret, authorizedKeys };
  checkOptions(resolved);
  return resolved;
}

/** Checks `--lock-stale`: it must hold 3 heartbeats of at least 1000 ms, or a live master's lock could go stale. */
export function checkLockStale(value: unknown, given = String(value)): number {
  const least = LOCK_HEARTBEATS * MIN_HEARTBEAT_MS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
    throw new UsageError(`Expected \`--lock-stale\` to be an integer >= ${least} (ms: ${LOCK_HEARTBEATS} heartbeats of at least ${MIN_HEARTBEAT_MS} ms), got \`${given}\``);
  }
  return value;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkOptions(o: ResolvedMasterOptions): void {
  checkInteger('size', o.size, 1);
  checkInteger('checkpoint-interval', o.checkpointInterval, 1);
  checkInteger('retries', o.retries, 0);
  checkInteger('job-timeout', o.jobTimeout, 0);
  checkInteger('lease', o.lease, 1);
  checkInteger('grace', o.grace, 0);
  checkLockStale(o.lockStale);
  if (o.rate !== undefined) parseRate(o.rate);
  if (o.maxFailures !== undefined) parseMaxFailures(o.maxFailures);
  if (o.limit !== undefined) checkInteger('limit', o.limit, 1);
  for (const [flag, path] of [['joblog', o.joblog], ['results', o.resultsFile], ['channels', o.channelsDir]] as const) {
    if (path !== undefined && (typeof path !== 'string' || path === '')) throw new UsageError(`Expected \`--${flag}\` to be a ${flag === 'channels' ? 'directory' : 'file'} path, got \`${String(path)}\``);
  }
  if (o.retryFailed && (o.resultsFile !== undefined || o.channelsDir !== undefined)) {
    throw new UsageError(`--retry-failed cannot write --${o.resultsFile === undefined ? 'channels' : 'results'}: a retry of dead letters writes no output files (they stay as the run's state counts them)`);
  }
  if (o.retryFailed && o.reset) throw new UsageError('--retry-failed and --reset cannot be used together: --reset forgets the dead letters');
}

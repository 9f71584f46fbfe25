/** What `run()` takes, its defaults (declared once), and how it splits into a master's options and its slaves'. */
import { fileURLToPath } from 'node:url';
import { UsageError } from '../common/errors.js';
import { loadModule, parseTarget, pickFunction, resolveModule } from '../task/load.js';
import type { LogLevel } from '../common/log.js';
import type { MasterOptions, ShipOptions } from '../master/master-options.js';
import { SLAVE_DEFAULTS } from '../slave/slave-options.js';
import { curveKeyPair } from 'zeromq';
import type { FleetOptions } from '../fleet/fleet.js';
import { fleetOptions, HOSTS_DEFAULTS, type HostsOptions } from './fleet-setup.js';

/** Everything `run()` can be told: the task, its slaves, and any option of a master. */
export interface RunOptions extends Omit<MasterOptions, 'module' | 'fn' | 'onResult' | 'curveSecret' | 'curveKeys' | 'authorizedKeys' | 'trustedKeys' | 'ship'>, Partial<HostsOptions> {
  /** Ship the slaves' handler to slaves started with no module; `false`: never. @default with `hosts`, the slaves' handler; else none */
  readonly ship?: ShipOptions | false | undefined;
  /** One task module whose `getJobs` the master runs and whose `handleJob` the slaves run: a path (from `cwd`), a `file:` URL, or a package; `module:fn` names another generator. */
  readonly module?: string | URL;
  /** Instead of `module`, with `handler`: the module whose `getJobs` (or `:fn`) the master runs. */
  readonly source?: string | URL;
  /** With `source`: the module whose `handleJob` (or `:fn`) the slaves run. */
  readonly handler?: string | URL;
  /** Slave processes to start on this host; with `hosts`, on each host (and here only with `local`). @default 1 */
  readonly slaves?: number;
  /** Worker threads per slave. @default the CPUs shared among the slaves, at least 1 */
  readonly threads?: number;
  /** Jobs each thread runs at once (for handlers that await I/O). @default 1 */
  readonly concurrency?: number;
  /** Most jobs a slave holds at once. @default 20000 */
  readonly maxCredit?: number;
  /** Collect each success's job and result for `handle.results`; unread, they hold dispatch back. @default false */
  readonly results?: boolean;
  /** Aborting stops the run gracefully, as `handle.stop()` does. @default none */
  readonly signal?: AbortSignal;
}

/** The defaults `run()` adds to a master's and a slave's: a free loopback port, and quiet logs. */
export const RUN_DEFAULTS = {
  slaves: 1,
  address: 'tcp://127.0.0.1:*',
  concurrency: SLAVE_DEFAULTS.concurrency,
  results: false,
  logLevel: 'warn' as LogLevel,
} as const;

/** A run split into what the master and the slaves are given. */
export interface RunSetup {
  readonly master: MasterOptions;
  /** `module[:fn]` for the slaves, and how many, with what. */
  readonly slaves: { readonly target: string; readonly count: number; readonly threads: number | undefined; readonly concurrency: number; readonly maxCredit: number | undefined };
  readonly results: boolean;
  readonly cwd: string;
  readonly logLevel: LogLevel;
  /** Slaves on other hosts (`hosts`), less the endpoint and keys the run adds. */
  readonly hosts: Omit<FleetOptions, 'endpoint' | 'keys'> | undefined;
}

/**
 * Checks the options and splits them; loads the handler module once here, so that a handler the
 * slaves could not load is refused with the slave's own message, not after they exit.
 */
export async function setUpRun(options: RunOptions): Promise<RunSetup> {
  const { module, source, handler, slaves, threads, concurrency, maxCredit, results, signal: _signal, hosts, local, ssh, remoteCommand, connectAddress, hostGiveUpAfter, ship: shipOption, ...master } = options;
  const cwd = options.cwd ?? process.cwd();
  if (module !== undefined && (source !== undefined || handler !== undefined)) throw new UsageError('run() takes `module`, or `source` and `handler`, not both');
  if (module === undefined && (source === undefined || handler === undefined)) throw new UsageError('run() needs `module`, or both `source` and `handler`');
  const count = slaves ?? RUN_DEFAULTS.slaves;
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError(`Expected \`slaves\` to be an integer >= 1, got \`${count}\``);
  const generator = parseTarget(targetOf((module ?? source)!));
  const slaveTarget = module === undefined ? targetOf(handler!) : generator.module;
  const work = parseTarget(slaveTarget);
  const mod = await loadModule(resolveModule(work.module, cwd));
  pickFunction(mod, work.fn ?? SLAVE_DEFAULTS.fn, work.module);
  const logLevel = options.logLevel ?? RUN_DEFAULTS.logLevel;
  const slaveOptions = { target: slaveTarget, count, threads, concurrency: concurrency ?? RUN_DEFAULTS.concurrency, maxCredit };
  // With hosts, the slaves' handler is shipped unless `ship: false`: the hosts run module-less slaves.
  const ship = shipOption === false ? undefined : (shipOption ?? (hosts === undefined ? undefined : { module: work.module, fn: work.fn }));
  const fleet = hosts === undefined ? undefined : fleetOptions({ hosts, local, ssh, remoteCommand, connectAddress, hostGiveUpAfter }, { ...slaveOptions, target: ship === undefined ? slaveTarget : undefined, logLevel });
  // With hosts: every interface, CURVE with a key pair made for this run (kept in memory), and local slaves only if asked.
  const address = options.address ?? (fleet === undefined ? RUN_DEFAULTS.address : HOSTS_DEFAULTS.address);
  return {
    master: { ...master, module: generator.module, fn: generator.fn, address, logLevel, cwd, ship, ...(fleet === undefined ? {} : { curveKeys: curveKeyPair() }) },
    slaves: { ...slaveOptions, count: fleet === undefined || local === true ? count : 0 },
    results: results ?? RUN_DEFAULTS.results,
    cwd,
    logLevel,
    hosts: fleet,
  };
}

/** A module as `module[:fn]` text: a `file:` URL as its path. */
function targetOf(module: string | URL): string {
  return module instanceof URL || module.startsWith('file:') ? fileURLToPath(module) : module;
}

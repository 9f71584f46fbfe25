/**
 * A master in this process and its slaves on this host, or on other hosts over ssh (`hosts`, a
 * Fleet): the one orchestration that `tm-run` and `run()` share. The slaves start as soon as the master is bound, and start up while it loads the
 * module and opens the state; a master that fails to start takes them down before they say a
 * word; slaves that cannot load the handler fail the run; at the end they are released (a run
 * that is over) or stopped, and collected. Every child process is ended on every path.
 */
import { resolve } from 'node:path';
import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { Master } from '../master/master.js';
import type { MasterOptions } from '../master/master-options.js';
import type { Summary } from '../master/observe/summary.js';
import { readSecretKey } from '../curve/keys.js';
import { throwawayKeys, type ThrowawayKeys } from '../curve/throwaway-keys.js';
import { Supervisor, type SupervisorOptions } from '../spawn/supervisor.js';
import { Fleet, type FleetOptions } from '../fleet/fleet.js';
import { SlaveGroups } from './slave-groups.js';
import { localAddress } from '../common/check-endpoint.js';

/** How long slaves told the run is over get to leave before they are told again, with a signal. */
const SLAVES_LEAVE_MS = 5000;

export interface LocalRunOptions {
  /** The master's options (`onListening` and, with CURVE, `trustedKeys` are added here). */
  readonly master: MasterOptions;
  /** The slaves on this host: what they load, how many (0: none, with `hosts`), with what (the address is the master's). */
  readonly slaves: Omit<SupervisorOptions, 'address' | 'slaveArgs'>;
  /** Slaves on other hosts, started over ssh (`--hosts`), each host with keys made here. @default none */
  readonly hosts?: Omit<FleetOptions, 'endpoint' | 'keys'> | undefined;
  readonly logger: Logger;
  /** Starts the master with the options given (tm-run's opens its `--http` window around it). @default Master.start */
  readonly startMaster?: (options: MasterOptions) => Promise<Master>;
}

/** Where a stop stands: none asked, a graceful stop, or at once. */
type Stopping = 'no' | 'gracefully' | 'now';

/** A local run under way: `started` once its master is up, `done` once it ended and every slave exited. */
export class LocalRun {
  /** The master, once it has started; rejects with why it could not (no slave is left running then). */
  readonly started: Promise<Master>;
  /** The summary, once the run has ended and every slave process has exited. */
  readonly done: Promise<Summary>;
  readonly #options: LocalRunOptions;
  /** With CURVE, its own slaves get a key pair made for them, which the master trusts. */
  readonly #keys: ThrowawayKeys | undefined;
  /** A key pair for each host of `hosts`, trusted for this run only. */
  readonly #hostKeys: readonly ThrowawayKeys[];
  #master: Master | undefined;
  #supervisor: SlaveGroups | undefined;
  #stopping: Stopping = 'no';
  #signal: NodeJS.Signals | undefined;

  constructor(options: LocalRunOptions) {
    this.#options = options;
    const { curveSecret, curveKeys, cwd } = options.master;
    const serverKey = curveKeys?.publicKey ?? (curveSecret === undefined ? undefined : readSecretKey(resolve(cwd ?? process.cwd(), curveSecret), 'curve-secret', () => {}).publicKey);
    this.#keys = serverKey === undefined ? undefined : throwawayKeys(serverKey);
    if (options.hosts !== undefined && serverKey === undefined) throw new UsageError('--hosts needs CURVE: a --curve-secret, or the key pair tm-run makes for the run');
    this.#hostKeys = options.hosts?.hosts.map(() => throwawayKeys(serverKey!)) ?? [];
    this.started = this.#start();
    this.done = this.started.then((master) => this.#collect(master));
    // A master that could not start rejects both: its caller hears it from `started`.
    this.done.catch(() => {});
  }

  /** Stops gracefully (the slaves finish running jobs, the state is flushed); a second call stops at once. */
  stop(signal?: NodeJS.Signals): void {
    if (this.#stopping !== 'no') return this.destroy();
    this.#stopping = 'gracefully';
    this.#signal = signal;
    this.#master?.stop(signal);
    this.#supervisor?.stop(signal);
  }

  /** Stops at once: the master flushes the state as it is, the slaves are killed. Idempotent. */
  destroy(): void {
    if (this.#stopping === 'now') return;
    this.#stopping = 'now';
    this.#master?.destroy();
    this.#supervisor?.stop('SIGKILL');
  }

  async #start(): Promise<Master> {
    const { master: options, startMaster = (o: MasterOptions) => Master.start(o) } = this.#options;
    const own = [this.#keys, ...this.#hostKeys].flatMap((keys) => (keys === undefined ? [] : [keys.publicKey]));
    const trustedKeys = [...(options.trustedKeys ?? []), ...own];
    try {
      const master = await startMaster({ ...options, trustedKeys, onListening: (endpoint) => this.#startSlaves(endpoint) });
      this.#master = master;
      // Stops asked for while it started apply now.
      if (this.#stopping === 'gracefully') master.stop(this.#signal);
      if (this.#stopping === 'now') master.destroy();
      return master;
    } catch (error) {
      // Its master could not start (its one line says why): its slaves go before they say a word.
      this.#supervisor?.stop('SIGKILL');
      await this.#supervisor?.done;
      throw error;
    }
  }

  async #collect(master: Master): Promise<Summary> {
    // A run the state says has finished ends at once, with no slave; unless it yields a job after all.
    const supervisor = this.#supervisor ?? ((await master.needsSlaves) ? this.#startSlaves(master.endpoint) : undefined);
    void supervisor?.failed.then(({ error, usage }) => master.slavesFailed(error, usage));
    const summary = await master.done;
    // The master is gone: every slave is told so (over IPC, as on a QUIT), so none waits on it;
    // a signal stops any that linger, at once for a run that did not end on its own.
    const over = (summary.outcome === 'finished' || summary.halt !== undefined) && this.#stopping !== 'now';
    if (this.#stopping !== 'now') supervisor?.release();
    const linger = setTimeout(() => supervisor?.stop(this.#stopping === 'now' ? 'SIGKILL' : 'SIGTERM'), over ? SLAVES_LEAVE_MS : 0);
    await supervisor?.done;
    clearTimeout(linger);
    return summary;
  }

  #startSlaves(address: string): SlaveGroups {
    const { slaves, hosts, logger } = this.#options;
    // A wildcard bind is reached on loopback from here. They load the master's very file: no skew
    // to catch, so no bundle to hash (and no esbuild to load).
    const local = slaves.count === 0 ? undefined : new Supervisor({ ...slaves, address: localAddress(address), keys: this.#keys?.keys, slaveArgs: ['--no-bundle-hash'] }, logger);
    const fleet = hosts === undefined ? undefined : new Fleet({ ...hosts, endpoint: address, keys: this.#hostKeys.map((pair) => pair.keys) }, logger);
    const supervisor = new SlaveGroups(local, fleet, slaves.target);
    this.#supervisor = supervisor;
    if (this.#stopping === 'now') supervisor.stop('SIGKILL');
    else if (this.#stopping === 'gracefully') supervisor.stop(this.#signal);
    return supervisor;
  }
}

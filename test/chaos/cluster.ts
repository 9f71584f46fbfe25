/** The processes of a chaos run: one master (restarted on the same state and address) and its slaves. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, runBin, type Proc } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { until, within } from './wait.js';

/** The task module: its handler appends `<job> <pid>` to $TM_RECORD for every job it runs. */
export const RECORD_TASK = join(FIXTURES, 'record.ts');

export interface ClusterOptions {
  /** Working directory: the record and the state (and the logs of a failed run) go there. */
  readonly dir: string;
  readonly jobs: number;
  readonly slaves: number;
  /** The master's `--lease`, ms. */
  readonly lease: number;
  /** The master's `--checkpoint-interval`, ms. */
  readonly checkpointInterval: number;
  /** Each slave's `--max-credit`: the most jobs in flight to it. */
  readonly maxCredit: number;
  /** Microseconds each job busy-waits (TM_SPIN_US): sets the pace of the run. */
  readonly spinUs: number;
  /** Milliseconds each job awaits a timer (TM_ASYNC_MS), 0 for none: async jobs, run in lanes. */
  readonly asyncMs: number;
  /** Each slave's `--concurrency`: jobs its thread runs at once. */
  readonly concurrency: number;
}

/** Milliseconds a process may take to start (tsx compiles the task module on the way). */
const START_MS = 30_000;
const WELCOMED = /welcomed by run \w+/g;

/** A master and `slaves` slaves on one state file and one address; each slave sits in a slot. */
export class Cluster {
  readonly options: ClusterOptions;
  readonly record: string;
  readonly state: string;
  readonly address: string;
  /** Every master started, the current one last. */
  readonly masters: Proc[] = [];
  /** The slave in each slot now. */
  readonly slaves: Proc[] = [];
  /** Every slave started, in order. */
  readonly everySlave: Proc[] = [];
  /** Slaves a fault ended on purpose: every other one must leave with exit 0 when the run is over. */
  readonly victims = new Set<Proc>();

  private constructor(options: ClusterOptions, address: string) {
    this.options = options;
    this.address = address;
    this.record = join(options.dir, 'record.txt');
    this.state = join(options.dir, 'chaos.state.json');
  }

  /** Starts the master, then the slaves, and waits until every slave is welcomed. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options, `tcp://127.0.0.1:${await reservePort()}`);
    await cluster.startMaster();
    for (let slot = 0; slot < options.slaves; slot++) cluster.slaves.push(cluster.#spawnSlave());
    await Promise.all(cluster.slaves.map((slave) => cluster.welcomed(slave, 0)));
    return cluster;
  }

  get master(): Proc {
    return this.masters.at(-1)!;
  }

  /** The current master's exit, if it has exited: how a wait learns the run is over. */
  masterExit(): string | undefined {
    const { exitCode, signalCode } = this.master.child;
    return exitCode === null && signalCode === null ? undefined : `the master exited (${signalCode ?? `code ${exitCode}`})`;
  }

  /** Starts a master on the state and address (the first, or after one ended) and waits until it listens. */
  async startMaster(): Promise<Proc> {
    const { jobs, lease, checkpointInterval, dir } = this.options;
    const master = runBin(
      'tm-master',
      [RECORD_TASK, `n=${jobs}`, '--address', this.address, '--state', this.state, '--lease', `${lease}`, '--checkpoint-interval', `${checkpointInterval}`, '--no-progress'],
      { cwd: dir },
    );
    this.masters.push(master);
    await within(master.waitFor(/listening on/), START_MS, `master pid ${master.child.pid} to listen`);
    return master;
  }

  /** Puts a new slave in `slot` and waits until the master welcomes it. */
  async replaceSlave(slot: number): Promise<Proc> {
    const slave = this.#spawnSlave();
    this.slaves[slot] = slave;
    await this.welcomed(slave, 0);
    return slave;
  }

  /** Slaves whose process is still running (a stopped one included). */
  liveSlaves(): Proc[] {
    return this.slaves.filter((slave) => slave.child.exitCode === null && slave.child.signalCode === null);
  }

  /** How many times `slave` has been welcomed so far, by any master. */
  welcomes(slave: Proc): number {
    return slave.stderr.match(WELCOMED)?.length ?? 0;
  }

  /** Waits until `slave` has been welcomed more than `before` times. */
  async welcomed(slave: Proc, before: number): Promise<void> {
    await until(() => this.welcomes(slave) > before, `slave pid ${slave.child.pid} to be welcomed`, {
      timeout: START_MS,
      abortIf: () => this.masterExit() ?? (this.liveSlaves().includes(slave) ? undefined : `the slave exited (${slave.child.signalCode ?? `code ${slave.child.exitCode}`})`),
    });
  }

  /** Where the current master's log is now: `gone` looks only past it. */
  logMark(): number {
    return this.master.stderr.length;
  }

  /** Waits until the current master says, past `mark` in its log, that slave `pid` is gone; resolves with why. */
  async gone(pid: number, mark: number, timeout: number): Promise<string> {
    const pattern = new RegExp(`slave \\S+:${pid} gone: ([^\\n]*)`);
    return until(() => this.master.stderr.slice(mark).match(pattern)?.[1], `the master to drop slave pid ${pid}`, {
      timeout,
      abortIf: () => this.masterExit(),
    });
  }

  /** Writes what every process printed to `<dir>/logs/`, for a run that failed. */
  saveLogs(): void {
    const logs = join(this.options.dir, 'logs');
    mkdirSync(logs, { recursive: true });
    const save = (role: string, proc: Proc): void => writeFileSync(join(logs, `${role}-${proc.child.pid}.log`), `${proc.stderr}${proc.stdout}`);
    for (const master of this.masters) save('master', master);
    for (const slave of this.everySlave) save('slave', slave);
  }

  #spawnSlave(): Proc {
    const { maxCredit, spinUs, asyncMs, concurrency, dir } = this.options;
    const slave = runBin('tm-slave', [RECORD_TASK, '--address', this.address, '--threads', '1', '--concurrency', `${concurrency}`, '--max-credit', `${maxCredit}`], {
      cwd: dir,
      env: { TM_RECORD: this.record, TM_RECORD_PID: '1', TM_SPIN_US: `${spinUs}`, TM_ASYNC_MS: `${asyncMs}` },
    });
    this.everySlave.push(slave);
    return slave;
  }
}

/** The last lines a process printed, for error messages. */
export function tail(proc: Proc, lines = 15): string {
  return `${proc.stderr}${proc.stdout}`.trimEnd().split('\n').slice(-lines).join('\n');
}

import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { forwardLogLines, type Logger } from '../common/log.js';
import { RUN_OVER } from './ipc.js';
import { EXIT } from '../common/exit-codes.js';
import { handKeys, type StdinKeys } from '../curve/stdin-keys.js';
import { shebang } from './shebang.js';

export interface SupervisorOptions {
  /** `module[:fn]` as the slaves should load it; undefined: they run the code the master ships. */
  readonly target: string | undefined;
  readonly count: number;
  readonly address: string;
  /** Threads per slave. @default the CPUs shared among the slaves, at least 1 */
  readonly threads?: number | undefined;
  readonly concurrency: number;
  /** Most jobs each slave holds at once. @default the slave's own default */
  readonly maxCredit?: number | undefined;
  readonly logLevel: string;
  readonly cwd: string;
  /** Slave k (from 1) is named `name-k`. @default each slave's own, host:pid */
  readonly name?: string | undefined;
  /** More flags for every slave (its CURVE key files). @default [] */
  readonly slaveArgs?: readonly string[];
  /** CURVE keys in memory, handed to every slave over its stdin (`--keys-stdin`), never on its command line. @default none */
  readonly keys?: StdinKeys | undefined;
  /** Each slave exits 3 once no master has answered for this many ms (`--give-up-after`); none is restarted then. @default the slave's own (0: never) */
  readonly giveUpAfter?: number | undefined;
}

const SLAVE_BIN = fileURLToPath(new URL('../bin/tm-slave.js', import.meta.url));
/** tm-slave's environment and node flags, as its `#!` line gives them: each slave runs as `tm-slave` would. */
const SLAVE_SHEBANG = shebang(SLAVE_BIN);
/** A slave that ran this long before crashing starts its backoff over. */
const HEALTHY_MS = 10_000;
/** The most a slave's exit waits for the end of its stderr, which a process it left may hold open. */
const STDERR_DRAIN_MS = 1000;

interface Slot {
  child: ChildProcess | undefined;
  crashes: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Keeps `count` slave processes running: restarts one that crashes (with backoff), passes
 * stop signals on, and resolves `done` when every slave has exited for good.
 *
 * Each slave runs in a process group of its own, so a Ctrl-C at the terminal reaches only the
 * supervisor, which passes it on once: a slave that got it twice (from the terminal, then from
 * us) would take it as the second signal and abandon its running jobs. A slave whose supervisor
 * dies (even by SIGKILL) sees its IPC channel close and leaves (bin/tm-slave), so none is orphaned.
 */
export class Supervisor {
  /** 0 when every slave ended cleanly, 2 when a slave reported a usage error, 3 when slaves gave up on their master. */
  readonly done: Promise<number>;
  readonly #options: SupervisorOptions;
  readonly #logger: Logger;
  readonly #slots: Slot[];
  #stopping = false;
  #code = 0;
  #finish: (code: number) => void = () => {};

  constructor(options: SupervisorOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.done = new Promise((resolve) => (this.#finish = resolve));
    this.#slots = Array.from({ length: options.count }, () => ({ child: undefined, crashes: 0, startedAt: 0, timer: undefined }));
    this.#slots.forEach((slot) => this.#start(slot));
  }

  /** Pids of the slaves running now. */
  get pids(): number[] {
    return this.#slots.flatMap((slot) => (slot.child?.pid === undefined ? [] : [slot.child.pid]));
  }

  /** Passes `signal` to every slave and restarts none; a second call passes it again. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.#stopping = true;
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.child?.kill(signal);
    }
    this.#checkDone();
  }

  /**
   * The run is over: every slave is told to leave as on the master's QUIT (over its IPC channel,
   * then closed), and none is restarted. A slave the master never welcomed (it joined after the
   * last job) would otherwise wait for a QUIT that no master is left to send.
   */
  release(): void {
    this.#stopping = true;
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      const child = slot.child;
      if (child === undefined || !child.connected) continue;
      child.send(RUN_OVER, () => child.connected && child.disconnect());
    }
    this.#checkDone();
  }

  #start(slot: Slot): void {
    const { target, address, threads, count, concurrency, maxCredit, logLevel, cwd } = this.#options;
    const perSlave = threads ?? Math.max(1, Math.floor(availableParallelism() / count));
    const args = [...SLAVE_SHEBANG.flags, SLAVE_BIN, ...(target === undefined ? [] : [target]), '--address', address, '--threads', String(perSlave), '--concurrency', String(concurrency), '--log-level', logLevel];
    if (maxCredit !== undefined) args.push('--max-credit', String(maxCredit));
    if (this.#options.name !== undefined) args.push('--name', `${this.#options.name}-${this.#slots.indexOf(slot) + 1}`);
    if (this.#options.giveUpAfter !== undefined) args.push('--give-up-after', String(this.#options.giveUpAfter));
    args.push(...(this.#options.slaveArgs ?? []));
    const keys = this.#options.keys;
    if (keys !== undefined) args.push('--keys-stdin');
    // A variable the user set wins over the `#!` line's (MALLOC_ARENA_MAX: see bin/tm-slave).
    const env = { ...SLAVE_SHEBANG.env, ...process.env };
    const child = spawn(process.execPath, args, { cwd, env, stdio: [keys === undefined ? 'ignore' : 'pipe', 'inherit', 'pipe', 'ipc'], detached: true });
    if (keys !== undefined) handKeys(child.stdin!, keys);
    // Their stderr as log lines of ours, so a progress display prints them above its bar. A slave
    // is gone once its last lines (often why it exited) are passed on, or STDERR_DRAIN_MS after it exits.
    const forwarded = forwardLogLines(child.stderr!);
    slot.child = child;
    slot.startedAt = Date.now();
    child.once('exit', (code, signal) => void Promise.race([forwarded, delay(STDERR_DRAIN_MS, undefined, { ref: false })]).then(() => this.#exited(slot, code, signal)));
  }

  #exited(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    slot.child = undefined;
    if (code === 2) {
      // A usage error (it cannot load the module, a bad flag) or a refusal: every restart would fail the same way.
      if (!this.#stopping) this.#logger.error('a slave exited with code 2 (its reason is above); stopping the others rather than restarting it');
      this.#code = 2;
      this.stop();
      return;
    }
    if (code === EXIT.gaveUp) {
      // No master answered for --give-up-after: a restart would wait for it the same way.
      if (this.#code === 0) this.#code = EXIT.gaveUp;
      this.#checkDone();
      return;
    }
    const crashed = signal !== null || (code !== 0 && code !== 130 && code !== 143);
    if (crashed && !this.#stopping) {
      slot.crashes = Date.now() - slot.startedAt > HEALTHY_MS ? 1 : slot.crashes + 1;
      const delay = Math.min(100 * 2 ** (slot.crashes - 1), 10_000);
      this.#logger.warn(`slave exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        if (!this.#stopping) this.#start(slot);
        this.#checkDone();
      }, delay);
      return;
    }
    this.#checkDone();
  }

  #checkDone(): void {
    if (this.#slots.every((slot) => slot.child === undefined && slot.timer === undefined)) this.#finish(this.#code);
  }
}

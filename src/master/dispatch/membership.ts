/** The slaves the master knows: admitted by their HELLO, kept by their messages, let go by BYE or by their lease. */
import type { Logger, LogLevel } from '../../common/log.js';
import type { Hello } from '../../protocol/messages.js';
import { SlaveRecord } from './slave-record.js';
import { plural } from '../../common/plural.js';

export interface MembershipOptions {
  /** Milliseconds of silence after which a slave is forgotten. */
  readonly lease: number;
  readonly logger: Logger;
  /** A slave is forgotten (already out of the list): its jobs in flight are to go to others. */
  readonly onGone: (slave: SlaveRecord, why: string) => void;
}

export class Membership {
  readonly #options: MembershipOptions;
  readonly #slaves = new Map<string, SlaveRecord>();
  /** Threads across the slaves, kept as they join and go: batch policy reads it for every batch. */
  #threads = 0;
  readonly #leaseTimer: NodeJS.Timeout;

  constructor(options: MembershipOptions) {
    this.#options = options;
    // Looks a few times per lease, so a silent slave is let go within about a quarter lease of its deadline.
    this.#leaseTimer = setInterval(() => this.#expire(), Math.max(50, Math.min(options.lease / 4, 1000)));
    this.#leaseTimer.unref();
  }

  get size(): number {
    return this.#slaves.size;
  }

  /** The slave with ZeroMQ routing id `id`, if admitted. */
  get(id: Buffer): SlaveRecord | undefined {
    return this.#slaves.get(id.toString('latin1'));
  }

  /** Whether `slave` is admitted (and not since replaced by a HELLO on its routing id). */
  has(slave: SlaveRecord): boolean {
    return this.#slaves.get(slave.key) === slave;
  }

  [Symbol.iterator](): IterableIterator<SlaveRecord> {
    return this.#slaves.values();
  }

  /** Threads across the slaves. */
  get threads(): number {
    return this.#threads;
  }

  /**
   * Admits a slave that said HELLO. A known one saying HELLO again lost its connection: it is
   * forgotten first, since JOBS sent meanwhile may be lost.
   */
  admit(id: Buffer, hello: Hello): SlaveRecord {
    const known = this.get(id);
    if (known !== undefined) this.forget(known, 'slave reconnected', 'debug');
    const slave = new SlaveRecord(id, hello, Date.now());
    this.#slaves.set(slave.key, slave);
    this.#threads += slave.threads;
    if (known === undefined) this.#options.logger.info(`slave ${slave.name} joined (${plural(hello.threads, 'thread')}, capacity ${hello.capacity})`);
    return slave;
  }

  /** Keeps `slave`'s lease: it was heard from now. */
  heard(slave: SlaveRecord): void {
    slave.lastSeen = Date.now();
  }

  /** Forgets `slave`; its jobs in flight go to others (`onGone`). Said at `level` (false: not said). */
  forget(slave: SlaveRecord, why: string, level: LogLevel | false = 'info'): void {
    const held = this.#slaves.get(slave.key);
    if (held !== undefined) this.#threads -= held.threads;
    this.#slaves.delete(slave.key);
    this.#options.onGone(slave, why);
    if (level !== false) this.#options.logger[level](`slave ${slave.name} gone: ${why}`);
  }

  close(): void {
    clearInterval(this.#leaseTimer);
  }

  #expire(): void {
    const deadline = Date.now() - this.#options.lease;
    for (const slave of this.#slaves.values()) {
      // A warning: the slave (or the network to it) is in trouble, and its jobs run again elsewhere.
      if (slave.lastSeen < deadline) this.forget(slave, `silent for more than ${this.#options.lease} ms (lease)`, 'warn');
    }
  }
}

/** A DEALER a test drives by hand: it sends whatever frames it is given and keeps what the master answers. */
import { Dealer } from 'zeromq';
import { encodeMessage } from '../../src/protocol/codec.js';
import { PROTOCOL_VERSION, type Hello, type MasterMessage, type SlaveMessage } from '../../src/protocol/messages.js';
import { decodeMasterMessage } from '../../src/protocol/validate.js';

type Reply<C extends MasterMessage['command']> = Extract<MasterMessage, { command: C }>;

/** Rejects with a message naming `what` unless `promise` settles within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A peer of the master that speaks the protocol only when told to. Replies are counted by
 * command; JOBS and WELCOME are also kept for the test to read. A peer that is sent JOBS it did
 * not ask for (`returnJobs`) hands them straight back unstarted, so it never finishes a job.
 */
export class HostilePeer {
  readonly name: string;
  /** Replies received, by command (`invalid` for frames the decoder refused). */
  readonly counts = new Map<string, number>();
  /** JOBS received, in order. */
  readonly jobs: Array<Reply<'JOBS'>> = [];
  /** The run id of the last WELCOME. */
  run: string | undefined;
  returnJobs = false;
  /** Say HELLO again when the master no longer knows this peer, as a slave would, to stay admitted. */
  rehello = false;
  readonly #socket: Dealer;
  readonly #waiters = new Set<{ command: string; resolve: (message: MasterMessage) => void }>();
  #sending: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #receiving: Promise<void>;

  constructor(address: string, name: string) {
    this.name = name;
    this.#socket = new Dealer({ routingId: name, linger: 0, reconnectInterval: 50 });
    this.#socket.connect(address);
    this.#receiving = this.#receive();
  }

  /** Resolves at the next `disconnect` of the socket: the master dropped the peer. */
  disconnected(): Promise<void> {
    const events = this.#socket.events;
    return new Promise((resolve) => {
      const listener = (): void => {
        events.off('disconnect', listener);
        resolve();
      };
      events.on('disconnect', listener);
    });
  }

  /** How many `command` replies have arrived. */
  count(command: string): number {
    return this.counts.get(command) ?? 0;
  }

  /** Sends raw frames, one send at a time (ZeroMQ allows one pending send per socket). */
  send(frames: readonly Uint8Array[]): Promise<void> {
    const next = this.#sending.then(() => (this.#closed ? undefined : this.#socket.send(frames as Uint8Array[])));
    this.#sending = next.catch(() => {});
    return next;
  }

  /** A valid HELLO of this peer, granting nothing: capacity 1, and no CREDIT follows unless the test sends one. */
  hello(capacity = 1): Hello {
    return { command: 'HELLO', version: PROTOCOL_VERSION, slave: this.name, host: 'hostile', pid: 1, threads: 1, concurrency: 1, capacity };
  }

  /** Sends a message, well formed or not: the payload goes through the wire codec as given. */
  say(message: SlaveMessage | { command: string; [field: string]: unknown }): Promise<void> {
    return this.send(encodeMessage(message as SlaveMessage));
  }

  /** Resolves with the next `command` reply that arrives after this call. */
  next<C extends MasterMessage['command']>(command: C, ms = 10_000): Promise<Reply<C>> {
    const reply = new Promise<MasterMessage>((resolve) => this.#waiters.add({ command, resolve }));
    return within(reply as Promise<Reply<C>>, ms, `${command} for peer ${this.name}`);
  }

  /** Sends `message` and resolves with the `command` reply to it. */
  async ask<C extends MasterMessage['command']>(message: Parameters<HostilePeer['say']>[0], command: C, ms?: number): Promise<Reply<C>> {
    const reply = this.next(command, ms);
    await this.say(message);
    return reply;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    await this.#receiving;
  }

  async #receive(): Promise<void> {
    try {
      for await (const frames of this.#socket) {
        const decoded = decodeMasterMessage(frames);
        const command = decoded.ok ? decoded.message.command : 'invalid';
        this.counts.set(command, this.count(command) + 1);
        if (!decoded.ok) continue;
        const message = decoded.message;
        if (message.command === 'WELCOME') this.run = message.run;
        if (message.command === 'REJECT' && message.rehello && this.rehello) void this.say(this.hello());
        if (message.command === 'JOBS') {
          this.jobs.push(message);
          if (this.returnJobs) void this.say({ command: 'DONE', run: message.run, seqs: [], failures: [], returned: message.seqs, ms: 0, credit: 0 });
        }
        for (const waiter of this.#waiters) {
          if (waiter.command !== command) continue;
          this.#waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    } catch (error) {
      if (!this.#closed) throw error;
    }
  }
}

import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Dealer } from 'zeromq';
import { encodeMessage } from '../protocol/codec.js';
import { MAX_MESSAGE_SIZE, PROTOCOL_VERSION, type Hello, type Jobs, type SlaveMessage, type Welcome } from '../protocol/messages.js';
import type { SeqRuns } from '../protocol/seq-runs.js';
import { Outbox } from '../protocol/outbox.js';
import { decodeMasterMessage } from '../protocol/validate.js';
import type { Logger } from '../common/log.js';
import { checkEndpoint } from '../common/check-endpoint.js';
import { clientSocketOptions, type ClientCurve } from '../curve/curve-config.js';
import { HandshakeWatch } from '../curve/handshake-watch.js';
import { GiveUpClock } from './give-up-clock.js';

export interface ConnectionEvents {
  /** A master admitted us: a new session starts, jobs of earlier sessions are void. */
  welcome: [Welcome];
  jobs: [Jobs];
  /** The run is over, or (after our BYE) the master has nothing more on its way to us. */
  quit: [];
  /** The master refused us for good (e.g. another protocol version). */
  rejected: [string];
  /** No master has welcomed us for the `giveUpAfter` ms given (none since the start, or since ours went away). */
  gaveUp: [number];
}

type HelloFields = Omit<Hello, 'command' | 'version'>;

/** How often to say HELLO while no master has answered. */
const HELLO_EVERY_MS = 1000;
/** Every how many unanswered HELLOs to warn that no master answers (the first one is told at once). */
const WARN_EVERY_HELLOS = 10;
/** The socket's linger (how long ZeroMQ may deliver after close), and the longest flush() waits to hand it messages. */
const LINGER_MS = 2000;
/** How long after its connection drops a slave says its master went away: past a run's QUIT, well within 10 s. */
const LOST_WORD_MS = 1000;

/**
 * The DEALER side of the protocol: says HELLO until a master welcomes it (again after every
 * reconnect or master restart), keeps its lease with PINGs, and drops anything from a run it
 * is not in. Once it has said BYE it never says HELLO again.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  readonly #socket: Dealer;
  readonly #hello: HelloFields;
  readonly #logger: Logger;
  readonly #address: string;
  #run: string | undefined;
  readonly #outbox: Outbox;
  #closed = false;
  #leaving = false;
  #helloTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  /** Warns every 10 s while the master that welcomed us is unreachable, as #helloTimer does before a welcome. */
  #lostTimer: NodeJS.Timeout | undefined;
  #lostWord: NodeJS.Timeout | undefined;
  #waitingSince = Date.now();
  readonly #handshakes: HandshakeWatch;
  readonly #giveUp: GiveUpClock;

  /**
   * Connects to `address`, with CURVE when `curve` is given. With `giveUpAfter` (ms, 0: never)
   * it emits `gaveUp` once no master has welcomed it for that long.
   */
  constructor(address: string, hello: HelloFields, logger: Logger, curve?: ClientCurve, giveUpAfter = 0) {
    super();
    this.#address = checkEndpoint(address, 'connect');
    this.#hello = hello;
    this.#logger = logger;
    this.#socket = new Dealer({
      routingId: hello.slave,
      maxMessageSize: MAX_MESSAGE_SIZE,
      heartbeatInterval: 1000,
      heartbeatTimeout: 5000,
      reconnectInterval: 100,
      reconnectMaxInterval: 2000,
      linger: LINGER_MS,
      sendHighWaterMark: 0,
      ...clientSocketOptions(curve),
    });
    // A refused key or a failing CURVE handshake is said, and retried with backoff: adding our key to the master's list lets us in.
    this.#handshakes = new HandshakeWatch(this.#socket, { address, secure: curve !== undefined, publicKey: curve?.pair.publicKey, logger });
    this.#outbox = new Outbox(this.#socket, (error) => this.#logger.warn(`send failed: ${error.message}`));
    // A new connection may lead to a new master: introduce ourselves again. Not on the first
    // one: it carries the HELLO below, and its event may come after the WELCOME, which a second
    // HELLO would void (with the jobs sent meanwhile).
    let connections = 0;
    this.#socket.events.on('connect', () => {
      this.#stopWarningLost();
      if (connections++ > 0) this.#sayHello();
    });
    // Our master's connection dropped (it died, or the heartbeat found it unreachable): the bound runs until one welcomes us.
    this.#giveUp = new GiveUpClock(giveUpAfter, (ms) => {
      this.#logger.error(`giving up: no master has answered at ${address} for ${ms} ms (--give-up-after)`);
      this.emit('gaveUp', ms);
    });
    this.#giveUp.lost();
    this.#socket.events.on('disconnect', () => {
      this.#giveUp.lost();
      this.#warnWhileLost();
    });
    this.#socket.connect(address);
    this.#sayHello();
  }

  /** The run id of the master that welcomed us, if one has. */
  get run(): string | undefined {
    return this.#run;
  }

  /** Receives until closed. */
  async serve(): Promise<void> {
    for await (const frames of this.#socket) {
      const decoded = decodeMasterMessage(frames);
      if (!decoded.ok) {
        this.#logger.limited('warn', 'bad-message', `dropped a message from the master: ${decoded.reason}`);
        continue;
      }
      const message = decoded.message;
      switch (message.command) {
        case 'WELCOME':
          this.#welcomed(message);
          break;
        case 'REJECT':
          if (!message.rehello) {
            this.emit('rejected', message.reason);
          } else if (this.#run !== undefined && !this.#leaving) {
            this.#logger.info(`the master no longer knows us (${message.reason}); saying HELLO again`);
            this.#sayHello();
          }
          break;
        case 'JOBS':
          if (message.run === this.#run) this.emit('jobs', message);
          break;
        case 'QUIT':
          if (message.run !== this.#run) break;
          // The run is over: the master waits for our BYE (unless we said one) and goes away next, which is no news.
          if (!this.#leaving) this.send({ command: 'BYE', run: message.run, returned: [] });
          this.#leaving = true;
          this.emit('quit');
          break;
      }
    }
  }

  /** Sends a message of the current session; nothing is sent before a WELCOME. */
  send(message: SlaveMessage): void {
    if (this.#closed) return;
    this.#outbox.push(encodeMessage(message));
  }

  /**
   * Says BYE with the jobs handed back, if a master has welcomed us, and stops saying HELLO: a
   * leaving slave must not be admitted again. Pings go on, since running jobs still hold a lease.
   * Returns whether a BYE went out (and a QUIT will answer it).
   */
  leave(returned: SeqRuns): boolean {
    this.#leaving = true;
    clearInterval(this.#helloTimer);
    this.#helloTimer = undefined;
    if (this.#run === undefined) return false;
    this.send({ command: 'BYE', run: this.#run, returned });
    return true;
  }

  /**
   * Resolves once every queued message is with ZeroMQ, or LINGER_MS after the call at most; at once
   * while no master has welcomed us, as a master needs none of what is queued then (HELLOs). A
   * message may never go: libzmq drops a connection for good after a failed handshake such as a
   * mechanism mismatch, HandshakeWatch holds none while it backs off after a refusal, and a
   * DEALER with no connection holds a send until one comes. A stop must not wait for that.
   */
  async flush(): Promise<void> {
    if (this.#run === undefined) return;
    const timer = new AbortController();
    const timeout = delay(LINGER_MS, undefined, { signal: timer.signal }).catch(() => {});
    await Promise.race([this.#outbox.flush(), timeout]);
    timer.abort();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox.close();
    this.#giveUp.close();
    this.#stopWarningLost();
    clearInterval(this.#helloTimer);
    clearInterval(this.#pingTimer);
    this.#handshakes.close();
    this.#socket.close();
  }

  #sayHello(): void {
    if (this.#closed || this.#leaving) return;
    this.#run = undefined;
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    this.send({ command: 'HELLO', version: PROTOCOL_VERSION, ...this.#hello });
    if (this.#helloTimer === undefined) {
      this.#waitingSince = Date.now();
      let unanswered = 0;
      this.#helloTimer = setInterval(() => {
        const waited = Math.round((Date.now() - this.#waitingSince) / 1000);
        // No master yet (none started, a wrong address, a host that does not resolve): say where we try.
        if (++unanswered === 1) this.#logger.info(`waiting for a master at ${this.#address}; still trying`);
        else if (unanswered % WARN_EVERY_HELLOS === 0) this.#logger.warn(`no master has answered at ${this.#address} for ${waited} s; still trying`);
        // While messages are still queued the master has not read the last HELLO either.
        const queued = !this.#outbox.idle;
        if (!queued) this.send({ command: 'HELLO', version: PROTOCOL_VERSION, ...this.#hello });
        this.#logger.debug(`no answer from ${this.#address} after ${unanswered} s: ${queued ? 'our last message has not gone yet' : 'said HELLO again'}`);
      }, HELLO_EVERY_MS);
      this.#helloTimer.unref();
    }
  }

  /** Our master went away (killed, or unreachable): say so at once, then every 10 s until a connection comes back, as before a welcome. */
  #warnWhileLost(): void {
    if (this.#run === undefined || this.#leaving || this.#closed || this.#lostTimer !== undefined) return;
    const since = Date.now();
    const say = (text: string): void => void (this.#leaving || this.#closed || this.#logger.warn(`${text}; still trying`));
    this.#lostTimer = setInterval(() => say(`no master has answered at ${this.#address} for ${Math.round((Date.now() - since) / 1000)} s`), HELLO_EVERY_MS * WARN_EVERY_HELLOS).unref();
    // The first word after a moment, not at once: a run that ends sends QUIT and closes, and the
    // socket's event of the close may come before the QUIT is read (then the slave is leaving).
    this.#lostWord = setTimeout(() => say(`lost the connection to our master at ${this.#address} (it stopped, or cannot be reached)`), LOST_WORD_MS).unref();
  }

  #stopWarningLost(): void {
    clearInterval(this.#lostTimer);
    clearTimeout(this.#lostWord);
    this.#lostTimer = undefined;
  }

  #welcomed(welcome: Welcome): void {
    // HELLOs queued while the master was away each earn a WELCOME: only the first counts.
    if (welcome.run === this.#run) return;
    // The answer to a HELLO sent before we decided to leave: take nothing, and say so.
    if (this.#leaving) return void this.send({ command: 'BYE', run: welcome.run, returned: [] });
    clearInterval(this.#helloTimer);
    this.#helloTimer = undefined;
    this.#giveUp.found();
    this.#run = welcome.run;
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => this.#run && this.send({ command: 'PING', run: this.#run }), Math.max(50, Math.min(welcome.lease / 3, 1000)));
    this.#pingTimer.unref();
    this.emit('welcome', welcome);
  }
}

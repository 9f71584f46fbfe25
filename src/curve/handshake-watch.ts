/**
 * A client's view of its handshakes with a master. libzmq gives up on a server that refused its
 * key (the ZMTP ERROR after a ZAP 400), and retries a failing CURVE handshake every
 * reconnect interval forever: so a refusal, or a run of failed handshakes, is said on stderr and
 * retried here, with backoff, until the master lets us in (adding our key to its list is enough).
 */
import type { Dealer } from 'zeromq';
import type { Logger } from '../common/log.js';

/** First and longest wait before trying a refused handshake again. */
const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 5000;
/** Failed handshakes in a row before a CURVE client says so and backs off. */
const FAILURES_TO_TELL = 3;
/** The same trouble is said at most this often. */
const TELL_EVERY_MS = 30_000;

export interface HandshakeWatchOptions {
  readonly address: string;
  /** Whether this client uses CURVE: then failed handshakes are retried with backoff. */
  readonly secure: boolean;
  /** This client's public key, for the line that asks for it to be authorized. */
  readonly publicKey?: string;
  readonly logger: Logger;
  /** Each refusal of our key (handshake:error:auth). */
  readonly onRefused?: () => void;
  /** Each other failed handshake, with why. */
  readonly onFailed?: (why: string) => void;
}

export class HandshakeWatch {
  readonly #socket: Dealer;
  readonly #options: HandshakeWatchOptions;
  #failures = 0;
  #retryMs = FIRST_RETRY_MS;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Watches `socket`, which must be connected to `options.address` only. */
  constructor(socket: Dealer, options: HandshakeWatchOptions) {
    this.#socket = socket;
    this.#options = options;
    const events = socket.events;
    events.on('handshake', () => {
      this.#failures = 0;
      this.#retryMs = FIRST_RETRY_MS;
    });
    events.on('handshake:error:auth', (event) => this.#refused(event.error.status));
    events.on('handshake:error:protocol', (event) => this.#failed(event.error.code ?? event.error.message, true));
    events.on('handshake:error:other', (event) => this.#failed(event.error.message, false));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #refused(status: number): void {
    const { address, publicKey, logger } = this.#options;
    const whose = publicKey === undefined ? 'our key' : `our key ${publicKey}`;
    const line = `the master at ${address} refused ${whose} (handshake:error:auth, ZAP ${status}): add it to the master's --authorized-keys; retrying every ${LONGEST_RETRY_MS / 1000} s at most`;
    logger.limited('warn', 'handshake:auth', line, TELL_EVERY_MS);
    this.#options.onRefused?.();
    this.#retryLater();
  }

  /** A failed handshake; `protocol`: ZMTP says why (a broken pipe alone, as when a master goes away mid-handshake, does not). */
  #failed(why: string, protocol: boolean): void {
    const { address, secure, logger } = this.#options;
    this.#options.onFailed?.(why);
    if (!secure) {
      if (!protocol) return;
      logger.limited('warn', 'handshake:plain', `the handshake with ${address} failed (${why}): if the master uses CURVE, pass --curve-secret and --server-key`, TELL_EVERY_MS);
      return;
    }
    if (++this.#failures < FAILURES_TO_TELL) return;
    logger.limited('warn', 'handshake:curve', `the CURVE handshake with ${address} failed ${this.#failures} times in a row (${why}): is --server-key the master's public key, and does it use CURVE? Still trying`, TELL_EVERY_MS);
    this.#retryLater();
  }

  /** Drops the endpoint and connects again after the backoff: libzmq would not, or would at once. */
  #retryLater(): void {
    if (this.#closed || this.#timer !== undefined) return;
    const { address } = this.#options;
    try {
      this.#socket.disconnect(address);
    } catch {
      // Not connected just now: connecting again below is all there is to do.
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed || this.#socket.closed) return;
      this.#socket.connect(address);
    }, this.#retryMs);
    this.#timer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, LONGEST_RETRY_MS);
  }
}

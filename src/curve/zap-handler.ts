/**
 * The ZAP handler (ZeroMQ RFC 27) of a CURVE master: libzmq asks it about every CURVE handshake
 * on the master's context, and it admits only the authorized keys. It must be bound before the
 * ROUTER, and the ROUTER must set a ZAP domain and enforce it: otherwise libzmq admits any client
 * that knows the server's public key when no handler answers. A refused peer is logged once per
 * address per minute, with its key, so an operator can add it if it is theirs.
 */
import { Router, type Context } from 'zeromq';
import type { Logger } from '../common/log.js';
import type { AuthorizedKeys } from './authorized-keys.js';
import { z85Encode } from './z85.js';

/** Where libzmq sends ZAP requests, within one context. */
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
/** The ZAP domain the master's ROUTER sets (and enforces): any non-empty word. */
export const ZAP_DOMAIN = 'taskmaster';
/** A refused address is logged at most this often. */
const REFUSAL_LOG_MS = 60_000;
/** A ZAP request is a handful of short frames; nothing in the same process sends more. */
const ZAP_MAX_MESSAGE = 4096;

export class ZapHandler {
  readonly #socket: Router;
  readonly #keys: AuthorizedKeys;
  readonly #logger: Logger;
  readonly #keysFile: string;

  private constructor(socket: Router, keys: AuthorizedKeys, logger: Logger, keysFile: string) {
    this.#socket = socket;
    this.#keys = keys;
    this.#logger = logger;
    this.#keysFile = keysFile;
    void this.#serve();
  }

  /** Binds the handler in `context` (the one the master's ROUTER will use) and starts answering. */
  static async bind(context: Context, keys: AuthorizedKeys, logger: Logger, keysFile = 'its --authorized-keys'): Promise<ZapHandler> {
    const socket = new Router({ context, maxMessageSize: ZAP_MAX_MESSAGE, linger: 0 });
    await socket.bind(ZAP_ENDPOINT);
    return new ZapHandler(socket, keys, logger, keysFile);
  }

  close(): void {
    this.#socket.close();
  }

  async #serve(): Promise<void> {
    try {
      for await (const frames of this.#socket) await this.#answer(frames);
    } catch (error) {
      // The loop ends only when the socket closes; anything else leaves handshakes unanswered, which libzmq refuses.
      if (!this.#socket.closed) this.#logger.error(`the CURVE admission handler stopped: ${(error as Error).message}; every new slave is refused`);
    }
  }

  /** Answers one request: [routing id, '', version, request id, domain, address, identity, mechanism, key]. */
  async #answer(frames: Buffer[]): Promise<void> {
    const [id, delimiter, version, requestId, domain, address, , mechanism, key] = frames;
    if (id === undefined || delimiter === undefined || requestId === undefined) return;
    const peer = address?.toString('latin1') ?? 'an unknown address';
    const reply = (code: '200' | '400', text: string, userId = ''): Promise<void> => this.#socket.send([id, delimiter, '1.0', requestId, code, text, userId, '']);
    if (version?.toString() !== '1.0' || domain?.toString() !== ZAP_DOMAIN || mechanism?.toString() !== 'CURVE' || key === undefined) {
      return reply('400', 'not a CURVE handshake of this master');
    }
    const name = this.#keys.admit(key);
    if (name === undefined) {
      const z85 = key.length === 32 ? z85Encode(key) : `${key.length} bytes`;
      this.#logger.limited('warn', `refused:${peer}`, `refused a peer at ${peer}: its CURVE key ${z85} is not in ${this.#keysFile}`, REFUSAL_LOG_MS);
      return reply('400', 'key not authorized');
    }
    this.#logger.debug(`admitted the CURVE key of ${name} from ${peer}`);
    return reply('200', 'OK', name.slice(0, 255));
  }
}

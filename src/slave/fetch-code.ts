/**
 * Asks a master for the handler it ships (FETCH) and waits for its CODE, on a DEALER of its own
 * with the slave's CURVE settings, before the slave's pool and connection exist.
 */
import { Dealer } from 'zeromq';
import { UsageError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { clientSocketOptions, type ClientCurve } from '../curve/curve-config.js';
import { HandshakeWatch } from '../curve/handshake-watch.js';
import { encodeMessage } from '../protocol/codec.js';
import { MAX_MESSAGE_SIZE, PROTOCOL_VERSION, type Code } from '../protocol/messages.js';
import { decodeMasterMessage } from '../protocol/validate.js';
import { GaveUp } from './give-up-clock.js';

/** Every how many ms without an answer to say that no master answers (the first time after 1 s). */
const WARN_EVERY_MS = 10_000;

export interface FetchOptions {
  readonly address: string;
  readonly curve: ClientCurve | undefined;
  readonly logger: Logger;
  /** Ms without an answer after which it gives up (throws GaveUp); 0: never. */
  readonly giveUpAfter: number;
  /** Aborts the wait (a stop signal): it rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Resolves with the master's CODE. A REJECT (it ships none, or not to us) is a UsageError with
 * its reason; a master that does not answer is waited for, as a slave waits for a WELCOME.
 */
export async function fetchCode(options: FetchOptions): Promise<Code> {
  const { address, curve, logger } = options;
  const socket = new Dealer({ maxMessageSize: MAX_MESSAGE_SIZE, reconnectInterval: 100, reconnectMaxInterval: 2000, linger: 0, ...clientSocketOptions(curve) });
  const handshakes = new HandshakeWatch(socket, { address, secure: curve !== undefined, publicKey: curve?.pair.publicKey, logger });
  const ask = (): void => void socket.send(encodeMessage({ command: 'FETCH', version: PROTOCOL_VERSION })).catch(() => {});
  // A new connection may be a master that never saw our FETCH (it restarted): ask it again.
  let connections = 0;
  socket.events.on('connect', () => connections++ > 0 && ask());
  const started = Date.now();
  const waiting = (): void => logger.info(`waiting for a master at ${address} to send its code; still trying`);
  const timers = [setTimeout(waiting, 1000), setInterval(() => logger.warn(`no master has sent code at ${address} for ${Math.round((Date.now() - started) / 1000)} s; still trying`), WARN_EVERY_MS)];
  const stop = new Promise<never>((_, reject) => {
    const { giveUpAfter, signal } = options;
    if (giveUpAfter > 0) timers.push(setTimeout(() => reject(new GaveUp(giveUpAfter)), giveUpAfter));
    if (signal?.aborted === true) reject(signal.reason as Error);
    signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  try {
    socket.connect(address);
    ask();
    return await Promise.race([answer(socket, address, logger), stop]);
  } finally {
    timers.forEach(clearTimeout);
    handshakes.close();
    socket.close();
  }
}

async function answer(socket: Dealer, address: string, logger: Logger): Promise<Code> {
  for await (const frames of socket) {
    const decoded = decodeMasterMessage(frames);
    if (!decoded.ok) {
      logger.limited('warn', 'bad-message', `dropped a message from the master: ${decoded.reason}`);
      continue;
    }
    const message = decoded.message;
    if (message.command === 'CODE') return message;
    if (message.command === 'REJECT') throw new UsageError(`the master at ${address} sent no code: ${message.reason}`);
  }
  throw new Error(`the socket to ${address} closed before the master sent its code`);
}

/**
 * The master's ROUTER, bound: plain, or CURVE with a ZAP handler that admits only the authorized
 * keys. Each CURVE master has a ZeroMQ context of its own, since the ZAP endpoint is one per
 * context (two masters in one process would otherwise share, or fight over, one handler).
 */
import { Context, Router } from 'zeromq';
import { serverSocketOptions, type ServerCurve } from '../../curve/curve-config.js';
import { ZapHandler } from '../../curve/zap-handler.js';
import { UsageError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { MAX_MESSAGE_SIZE } from '../../protocol/messages.js';
import { MAX_SLAVE_CAPACITY } from '../dispatch/slave-record.js';
import { plural } from '../../common/plural.js';

/** A peer that fails the handshake is logged at most this often: ZeroMQ does not say which peer it was. */
const HANDSHAKE_LOG_MS = 60_000;

/** What a failed handshake's ZMTP error code means for whoever reads the log. */
const WHY: Record<string, string> = {
  ERR_ZMTP_CRYPTOGRAPHIC: 'it does not have this master’s public key as --server-key',
  ERR_ZMTP_MECHANISM_MISMATCH: 'it does not use CURVE (no --curve-secret and --server-key)',
};

export interface Listener {
  readonly socket: Router;
  /** The CURVE public key slaves need as --server-key, when CURVE is on. */
  readonly publicKey: string | undefined;
  close(): void;
}

/** Binds `address`, with CURVE when `curve` is given; a bind that fails is a usage error naming the address. */
export async function listen(address: string, curve: ServerCurve | undefined, logger: Logger): Promise<Listener> {
  const context = curve === undefined ? undefined : new Context();
  const zap = curve === undefined ? undefined : await ZapHandler.bind(context!, curve.keys, logger, curve.keysFile);
  // A slave's JOBS never outnumber its capacity, so none is dropped at the high-water mark.
  const socket = new Router({
    ...(context && { context }),
    ...(curve && serverSocketOptions(curve)),
    maxMessageSize: MAX_MESSAGE_SIZE,
    handover: true,
    sendHighWaterMark: MAX_SLAVE_CAPACITY,
    linger: 2000,
  });
  const close = (): void => {
    socket.close();
    zap?.close();
  };
  if (curve !== undefined) {
    socket.events.on('handshake:error:protocol', (event) => {
      const code = event.error.code ?? 'a protocol error';
      const why = WHY[code] ?? 'it does not speak CURVE with this master’s key';
      logger.limited('warn', `handshake:${code}`, `refused a peer whose CURVE handshake failed (${code}): ${why}`, HANDSHAKE_LOG_MS);
    });
  }
  try {
    await socket.bind(address);
  } catch (error) {
    close();
    // A port in use is most often another master's: say how to find out, and how to pick another.
    const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' || /in use/i.test((error as Error).message);
    const hint = busy ? `; another master may be running there (tm-status --address ${address} asks it): pass --address with another port, or a port of the OS's choosing (tcp://127.0.0.1:*)` : '';
    throw new UsageError(`cannot bind ${address}: ${(error as Error).message}${hint}`, { cause: error });
  }
  if (curve !== undefined) logger.info(`CURVE on: admitting ${plural(curve.keys.size, 'key')} of ${curve.keysFile}; slaves need --server-key with ${curve.pair.publicKey}`);
  return { socket, publicKey: curve?.pair.publicKey, close };
}

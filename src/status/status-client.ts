/**
 * Asks a running master how its run goes (STATUS, answered by a REPORT) over the master's own
 * endpoint, as a slave connects: with CURVE, the client needs an authorized key too. Each
 * question opens a socket of its own, so an answer is always to the question just asked.
 */
import { Dealer } from 'zeromq';
import { clientSocketOptions, type ClientCurve } from '../curve/curve-config.js';
import { HandshakeWatch } from '../curve/handshake-watch.js';
import { createLogger } from '../common/log.js';
import { encodeMessage } from '../protocol/codec.js';
import { DEFAULT_ADDRESS, MAX_MESSAGE_SIZE, type StatusReport } from '../protocol/messages.js';
import { decodeMasterMessage } from '../protocol/validate.js';

/** Every default of tm-status, declared once. */
export const STATUS_DEFAULTS = { address: DEFAULT_ADDRESS, timeout: 2000 } as const;

export interface StatusQuery {
  readonly address: string;
  /** Milliseconds to wait for the answer. */
  readonly timeoutMs: number;
  readonly curve?: ClientCurve | undefined;
}

/** The master's report, or why there is none, as one line. */
export type StatusAnswer = { readonly ok: true; readonly report: StatusReport } | { readonly ok: false; readonly reason: string };

/** Asks the master at `query.address`; resolves with its report, or with why none came within the timeout. */
export async function queryStatus(query: StatusQuery): Promise<StatusAnswer> {
  const { address, timeoutMs, curve } = query;
  const socket = new Dealer({ maxMessageSize: MAX_MESSAGE_SIZE, linger: 0, ...clientSocketOptions(curve) });
  let failed: string | undefined;
  let settle: (answer: StatusAnswer) => void = () => {};
  const settled = new Promise<StatusAnswer>((resolve) => (settle = resolve));
  // Its own lines would repeat the one this answer ends with; only the events matter here.
  const quiet = createLogger('tm-status', 'error', () => {});
  const watch = new HandshakeWatch(socket, {
    address,
    secure: curve !== undefined,
    logger: quiet,
    onRefused: () => settle({ ok: false, reason: `the master at ${address} refused our key ${curve?.pair.publicKey ?? ''} (handshake:error:auth): add it to the master's --authorized-keys` }),
    onFailed: (why) => (failed = why),
  });
  const timer = setTimeout(() => settle({ ok: false, reason: noAnswer(address, timeoutMs, curve !== undefined, failed) }), timeoutMs);
  try {
    socket.connect(address);
    void socket.send(encodeMessage({ command: 'STATUS' })).catch(() => {});
    void receiveReport(socket).then((report) => report && settle({ ok: true, report }));
    return await settled;
  } finally {
    clearTimeout(timer);
    watch.close();
    socket.close();
  }
}

/** The first REPORT the socket receives (anything else is skipped); undefined once the socket closes. */
async function receiveReport(socket: Dealer): Promise<StatusReport | undefined> {
  try {
    for await (const frames of socket) {
      const decoded = decodeMasterMessage(frames);
      if (decoded.ok && decoded.message.command === 'REPORT') return decoded.message;
    }
  } catch {
    // Closed while waiting: the timeout or a refusal answered first.
  }
  return undefined;
}

function noAnswer(address: string, timeoutMs: number, secure: boolean, failed: string | undefined): string {
  const why =
    failed === undefined
      ? ''
      : secure
        ? ` (the CURVE handshake failed: ${failed}; is --server-key the master's public key?)`
        : ` (the handshake failed: ${failed}; if the master uses CURVE, pass --curve-secret and --server-key)`;
  return `no master answered at ${address} within ${timeoutMs} ms${why}`;
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Context, curveKeyPair, Dealer, Router, type EventType, type Observer } from 'zeromq';
import { serverCurve, serverSocketOptions, type ServerCurve } from '../../../src/curve/curve-config.js';
import { writeKeyPair } from '../../../src/curve/keys.js';
import { createLogger } from '../../../src/common/log.js';
import { listen, type Listener } from '../../../src/master/listen/listener.js';
import { tempDir } from '../../helpers/processes.js';

let dir: ReturnType<typeof tempDir>;
let lines: string[];
let listener: Listener | undefined;
const sockets: Array<Dealer | Router> = [];

beforeEach(() => {
  dir = tempDir();
  lines = [];
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
  listener?.close();
  listener = undefined;
  dir.remove();
});

const logger = () => createLogger('master', 'debug', (line) => lines.push(line));
const good = curveKeyPair();

/** A CURVE master's ROUTER on a free loopback port, admitting `good` (and what the file says later). */
async function start(): Promise<{ listener: Listener; curve: ServerCurve; endpoint: string; keysFile: string }> {
  const { secretFile } = writeKeyPair(join(dir.path, 'master'));
  const keysFile = join(dir.path, 'authorized_keys');
  writeFileSync(keysFile, `${good.publicKey} good-slave\n`);
  const curve = serverCurve({ curveSecret: secretFile, authorizedKeys: keysFile, trustedKeys: [] }, logger())!;
  listener = await listen('tcp://127.0.0.1:*', curve, logger());
  return { listener, curve, endpoint: listener.socket.lastEndpoint!, keysFile };
}

/** A client with `pair`, trusting `serverKey`, that sends `text` once connected. */
function client(endpoint: string, pair: { publicKey: string; secretKey: string }, serverKey: string, text: string): Dealer {
  const socket = new Dealer({ curveServerKey: serverKey, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey, linger: 0 });
  sockets.push(socket);
  socket.connect(endpoint);
  void socket.send(text).catch(() => {});
  return socket;
}

/** The next event of `type` on a socket's observer. */
function once(events: Observer, type: EventType): Promise<unknown[]> {
  return new Promise((resolve) => {
    const listener = (event: unknown): void => {
      events.off(type, listener);
      resolve([event]);
    };
    events.on(type, listener);
  });
}

async function firstMessage(router: Router): Promise<string> {
  const [, message] = await router.receive();
  return message!.toString();
}

describe('a CURVE master’s socket', () => {
  it('admits a listed key', async () => {
    const { curve, endpoint } = await start();
    client(endpoint, good, curve.pair.publicKey, 'from good');
    expect(await firstMessage(listener!.socket)).toBe('from good');
    expect(lines.join('')).toMatch(/CURVE on: admitting 1 key of \S+authorized_keys; slaves need --server-key with \S{40}/);
    expect(lines.join('')).toMatch(/admitted the CURVE key of good-slave from 127\.0\.0\.1/);
  });

  it('refuses an unlisted key, which never gets a message through, and logs it once per address per minute', async () => {
    const { curve, endpoint } = await start();
    for (const n of [1, 2]) {
      const rogue = client(endpoint, curveKeyPair(), curve.pair.publicKey, `from rogue ${n}`);
      const [refused] = (await once(rogue.events, 'handshake:error:auth')) as [{ error: { status: number } }];
      expect(refused.error.status).toBe(400);
    }
    // Messages arrive in order: had a rogue's got through, it would come first.
    client(endpoint, good, curve.pair.publicKey, 'from good');
    expect(await firstMessage(listener!.socket)).toBe('from good');
    const refusals = lines.filter((line) => line.includes('refused a peer at 127.0.0.1: its CURVE key'));
    expect(refusals, lines.join('')).toHaveLength(1);
    expect(refusals[0]).toMatch(/^\[master\] warn: refused a peer at 127\.0\.0\.1: its CURVE key \S{40} is not in \S+authorized_keys\n$/);
  });

  it('refuses a client that trusts another server key, and says why', async () => {
    const { curve, endpoint } = await start();
    client(endpoint, good, curveKeyPair().publicKey, 'from the confused');
    await expect.poll(() => lines.join(''), { timeout: 10_000 }).toMatch(/refused a peer whose CURVE handshake failed \(ERR_ZMTP_CRYPTOGRAPHIC\): it does not have this master’s public key as --server-key/);
    client(endpoint, good, curve.pair.publicKey, 'from good');
    expect(await firstMessage(listener!.socket)).toBe('from good');
  });

  it('lets a key in once it is added to the file, at its next handshake', async () => {
    const { curve, endpoint, keysFile } = await start();
    const late = curveKeyPair();
    await once(client(endpoint, late, curve.pair.publicKey, 'too early').events, 'handshake:error:auth');
    writeFileSync(keysFile, `${good.publicKey} good-slave\n${late.publicKey} late-slave\n`);
    client(endpoint, late, curve.pair.publicKey, 'in now');
    expect(await firstMessage(listener!.socket)).toBe('in now');
    expect(lines.join('')).toMatch(/read --authorized-keys \S+ again: 2 keys/);
  });

  it('fails closed: with the ZAP domain enforced and no handler bound, even a client with the right server key is refused', async () => {
    const { curve } = await start();
    // What the handler prevents: the same socket options, in a context with no handler.
    const bare = new Router({ context: new Context(), ...serverSocketOptions(curve), linger: 0 });
    sockets.push(bare);
    await bare.bind('tcp://127.0.0.1:*');
    const socket = client(bare.lastEndpoint!, good, curve.pair.publicKey, 'unchecked');
    await Promise.race([once(socket.events, 'handshake:error:protocol'), once(socket.events, 'handshake:error:other'), once(socket.events, 'handshake:error:auth')]);
    // Had it got in, its message would be waiting.
    bare.receiveTimeout = 0;
    await expect(bare.receive()).rejects.toThrow();
  });
});

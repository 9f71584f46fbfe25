/** A master played by the test: a ROUTER socket through which a test scripts the protocol with a real slave. */
import { Router } from 'zeromq';
import { encodeMessage } from '../../src/protocol/codec.js';
import { MAX_MESSAGE_SIZE, type MasterMessage, type SlaveMessage } from '../../src/protocol/messages.js';
import { decodeSlaveMessage } from '../../src/protocol/validate.js';

/** Milliseconds `expect` waits for a message before it fails. */
const RECEIVE_MS = 20_000;

export class FakeMaster {
  readonly endpoint: string;
  readonly #socket: Router;
  /** The routing id of the slave, from its first message. */
  #slave: Buffer | undefined;

  private constructor(socket: Router) {
    this.#socket = socket;
    this.endpoint = socket.lastEndpoint!;
  }

  /** Binds a free port on loopback. */
  static async bind(): Promise<FakeMaster> {
    const socket = new Router({ maxMessageSize: MAX_MESSAGE_SIZE, receiveTimeout: RECEIVE_MS, linger: 0 });
    await socket.bind('tcp://127.0.0.1:*');
    return new FakeMaster(socket);
  }

  /**
   * The slave's next message, which must be a `command`. PINGs are skipped, and so are HELLOs
   * unless a HELLO is what the test waits for (a slave repeats it until welcomed). `peer` is what
   * the slave said on stderr so far, told when no message comes in time.
   */
  async expect<C extends SlaveMessage['command']>(command: C, peer?: () => string): Promise<Extract<SlaveMessage, { command: C }>> {
    for (;;) {
      const [id, ...frames] = await this.#socket.receive().catch((error: Error) => {
        throw new Error(`no ${command} from the slave in ${RECEIVE_MS} ms (${error.message})${peer ? `; its stderr: ${peer()}` : ''}`);
      });
      this.#slave ??= id;
      const decoded = decodeSlaveMessage(frames);
      if (!decoded.ok) throw new Error(`the slave sent a bad message: ${decoded.reason}`);
      const { message } = decoded;
      if (message.command === command) return message as Extract<SlaveMessage, { command: C }>;
      if (message.command === 'PING' || message.command === 'HELLO') continue;
      throw new Error(`expected ${command} from the slave, got ${JSON.stringify(message)}`);
    }
  }

  async send(message: MasterMessage): Promise<void> {
    if (this.#slave === undefined) throw new Error('no slave has said anything yet');
    await this.#socket.send([this.#slave, ...encodeMessage(message)]);
  }

  /** Sends the slave frames as they are, past the codec: one larger than its maxMessageSize, say. */
  async sendRaw(frames: Buffer[]): Promise<void> {
    if (this.#slave === undefined) throw new Error('no slave has said anything yet');
    await this.#socket.send([this.#slave, ...frames]);
  }

  /** Resolves at the next disconnect of a slave's connection (closed, or dropped by ZeroMQ). */
  disconnected(): Promise<void> {
    return new Promise((resolve) => {
      const events = this.#socket.events;
      const once = (): void => {
        events.off('disconnect', once);
        resolve();
      };
      events.on('disconnect', once);
    });
  }

  close(): void {
    this.#socket.close();
  }
}

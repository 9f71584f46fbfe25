/** Anything that sends multipart messages the way a zeromq socket does. */
interface Sender {
  send(frames: Buffer[]): Promise<void>;
}

/**
 * The one sender of a socket: ZeroMQ allows one pending send per socket, so messages queue here
 * and a single loop hands them to ZeroMQ in order. A send that fails (the socket closed under
 * it) drops what is queued behind it and is reported once.
 */
export class Outbox {
  readonly #socket: Sender;
  readonly #onError: (error: Error) => void;
  #queue: Buffer[][] = [];
  #sending = false;
  #closed = false;

  constructor(socket: Sender, onError: (error: Error) => void) {
    this.#socket = socket;
    this.#onError = onError;
  }

  /** Nothing queued and nothing being sent. */
  get idle(): boolean {
    return !this.#sending && this.#queue.length === 0;
  }

  push(frames: Buffer[]): void {
    if (this.#closed) return;
    this.#queue.push(frames);
    if (!this.#sending) void this.#drain();
  }

  /** Resolves once every queued message is with ZeroMQ. */
  async flush(): Promise<void> {
    while (!this.idle) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Sends nothing more (the socket is about to close); what is queued is dropped. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        for (const frames of batch) {
          if (this.#closed) return;
          await this.#socket.send(frames);
        }
      }
    } catch (error) {
      this.#queue = [];
      if (!this.#closed) this.#onError(error as Error);
    } finally {
      this.#sending = false;
    }
  }
}

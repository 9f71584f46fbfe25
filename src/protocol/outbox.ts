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
  /** Callers of flush(), told when the drain loop has sent everything (or given up). */
  #flushers: Array<() => void> = [];

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

  /**
   * Resolves once every queued message is with ZeroMQ, or at once after close(). Told by the drain
   * loop, not polled: a send may never complete (a DEALER with no connection to go to), and
   * polling for it kept a core busy for as long.
   */
  flush(): Promise<void> {
    if (this.idle || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#flushers.push(resolve));
  }

  /** Sends nothing more (the socket is about to close); what is queued is dropped, and no flush waits for it. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#flushed();
  }

  #flushed(): void {
    const flushers = this.#flushers;
    this.#flushers = [];
    for (const resolve of flushers) resolve();
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
      this.#flushed();
    }
  }
}

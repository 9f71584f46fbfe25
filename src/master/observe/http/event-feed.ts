/**
 * The page's Server-Sent Events: every client gets the same frame, built once per tick by the
 * caller. A client whose socket has not taken the last frames is skipped (each frame is a whole
 * snapshot, so a skipped one loses nothing the next does not carry) and, past MAX_SKIPPED in a
 * row, dropped: nothing is buffered for it beyond what its socket already holds.
 */
import type { ServerResponse } from 'node:http';

/** Most pages watching at once; more get 503. */
export const MAX_CLIENTS = 64;
/** Frames in a row a stuck client may miss before it is dropped (at 2 a second: 15 s). */
export const MAX_SKIPPED = 30;
/** Bytes a client's socket may hold unsent before frames are skipped for it. */
export const MAX_UNSENT = 1 << 20;
/** How long a browser waits before it reconnects to a master that went away. */
export const RECONNECT_MS = 2000;

interface Client {
  readonly response: ServerResponse;
  skipped: number;
}

/** One SSE frame: `event` and its data on one line (JSON has no raw newline). */
export function sseFrame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

export class EventFeed {
  readonly #clients = new Set<Client>();
  /** The last frame of an ended run: sent to whoever connects later, then closed. */
  #final: string | undefined;

  get size(): number {
    return this.#clients.size;
  }

  /** Starts the stream on `response` with `first` (the run now); false when full. */
  add(response: ServerResponse, first: string | undefined): boolean {
    if (this.#final === undefined && this.#clients.size >= MAX_CLIENTS) return false;
    response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    response.socket?.setNoDelay(true);
    response.write(`retry: ${RECONNECT_MS}\n\n`);
    if (this.#final !== undefined) {
      response.end(this.#final);
      return true;
    }
    if (first !== undefined) response.write(first);
    const client: Client = { response, skipped: 0 };
    this.#clients.add(client);
    response.on('close', () => this.#clients.delete(client));
    return true;
  }

  /** Sends `frame` to every client that has room for it. */
  broadcast(frame: string): void {
    for (const client of this.#clients) {
      const { response } = client;
      if (response.writableLength > MAX_UNSENT) {
        if (++client.skipped > MAX_SKIPPED) response.destroy();
        continue;
      }
      client.skipped = 0;
      response.write(frame);
    }
  }

  /** Sends the last frame to every client and closes their streams; resolves once each has gone. */
  async end(frame: string): Promise<void> {
    this.#final = frame;
    const closed = [...this.#clients].map(({ response }) => new Promise<void>((resolve) => {
      response.once('close', resolve);
      response.end(frame);
    }));
    await Promise.all(closed);
  }

  /** Closes every stream at once. */
  destroy(): void {
    for (const { response } of this.#clients) response.destroy();
    this.#clients.clear();
  }
}

/** The SSE feed over real sockets: every page gets each frame; one that does not read is skipped, then dropped, never buffered without bound. */
import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventFeed, MAX_SKIPPED, MAX_UNSENT, sseFrame } from '../../../../src/master/observe/http/event-feed.js';

let server: Server | undefined;
/** Every response the server made, for a look at what each holds unsent. */
const responses: ServerResponse[] = [];

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
});

/** A server whose every request joins `feed`, with `first` as its first frame. */
async function serve(feed: EventFeed, first?: string): Promise<number> {
  server = createServer((_, response) => {
    responses.push(response);
    feed.add(response, first);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A reading client: everything the stream says, until it ends. */
async function read(port: number): Promise<{ response: IncomingMessage; text: Promise<string> }> {
  const request = get(`http://127.0.0.1:${port}/events`);
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  response.setEncoding('utf8');
  let text = '';
  response.on('data', (chunk: string) => (text += chunk));
  return { response, text: once(response, 'end').then(() => text) };
}

describe('EventFeed', () => {
  it('sends every page the first frame, each broadcast, and the end, then closes; a page that comes later gets the end alone', async () => {
    const feed = new EventFeed();
    const port = await serve(feed, sseFrame('snapshot', '{"n":0}'));
    const pages = [await read(port), await read(port)];
    await expect.poll(() => feed.size).toBe(2);
    feed.broadcast(sseFrame('snapshot', '{"n":1}'));
    await feed.end(sseFrame('end', '{"n":2}'));
    for (const page of pages) {
      expect(page.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(await page.text).toBe('retry: 2000\n\nevent: snapshot\ndata: {"n":0}\n\nevent: snapshot\ndata: {"n":1}\n\nevent: end\ndata: {"n":2}\n\n');
    }
    expect(feed.size).toBe(0);
    expect(await (await read(port)).text).toBe('retry: 2000\n\nevent: end\ndata: {"n":2}\n\n');
  });

  it('skips a page that does not read, and drops it, holding at most a frame past its limit', async () => {
    const feed = new EventFeed();
    const port = await serve(feed);
    // Asks, then never reads: the kernel's buffers fill, then the response's own.
    const stuck = connect(port, '127.0.0.1', () => stuck.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    stuck.pause();
    await expect.poll(() => feed.size).toBe(1);
    const frame = sseFrame('snapshot', JSON.stringify('x'.repeat(256 * 1024)));
    const response = responses.at(-1)!;
    let most = 0;
    let sent = 0;
    while (feed.size > 0 && sent < 10_000) {
      feed.broadcast(frame);
      sent++;
      most = Math.max(most, response.writableLength);
      // A tick between frames, as the window's timer gives: the socket takes what it will.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(feed.size).toBe(0);
    // It was written to until full, then skipped MAX_SKIPPED times, then dropped.
    expect(sent).toBeGreaterThan(MAX_SKIPPED + 1);
    expect(sent).toBeLessThan(10_000);
    expect(response.destroyed).toBe(true);
    // Frames are written only while less than MAX_UNSENT waits: one more at most.
    expect(most).toBeLessThanOrEqual(MAX_UNSENT + frame.length);
    stuck.destroy();
  });
});

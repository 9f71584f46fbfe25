/**
 * `--http`: a read-only window onto a master's run, on node:http. `/` is the dashboard, live over
 * Server-Sent Events (`/events`); `/status.json` is the STATUS report `tm-status --json` prints;
 * `/metrics` is Prometheus text. Only GET and HEAD are served (405 otherwise), and nothing served
 * reaches into the run: each tick (at most 2 a second) reads one report and sends every page the
 * same frame, so a page costs dispatch one JSON per tick however many watch.
 *
 * Opened before the master starts, so a bad or busy address is a usage error before any state
 * is touched; `watch(master)` then starts the ticks, and the run's end sends the summary.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../../common/errors.js';
import { createLogger, type Logger } from '../../../common/log.js';
import { MASTER_DEFAULTS } from '../../master-options.js';
import { statusFields } from '../status.js';
import type { RunWatch } from '../watch.js';
import type { Summary } from '../summary.js';
import { dashboardData } from './dashboard-data.js';
import { dashboardPage } from './dashboard-page.js';
import { EventFeed, sseFrame } from './event-feed.js';
import { httpUrl, isLoopbackHost, parseHttpAddress } from './http-address.js';
import { newToken, readToken, requestToken, tokenCookie, tokenMatches } from './http-token.js';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics.js';
import { HISTORY_EVERY_MS, ThroughputHistory } from './throughput-history.js';

/** Ms between frames to the pages. */
export const TICK_MS = 500;
/** How long closing waits for the pages to take the last frame. */
const CLOSE_WAIT_MS = 2000;

export interface HttpWindowOptions {
  /** `HOST:PORT` as `--http` takes it. */
  readonly address: string;
  /** `--http-token-file`: the token every request needs, even on loopback. @default a new one on non-loopback, none on loopback */
  readonly tokenFile?: string | undefined;
  /** The master's lease, in ms, for the page's late marker. @default 30000, the master's default */
  readonly lease?: number;
  /** Where the URL line goes. @default `[http]` lines at info on stderr */
  readonly logger?: Logger;
}

/** What the window watches: a `Master`. */
export interface Watched {
  readonly watch: RunWatch;
  readonly done: Promise<Summary>;
}

/**
 * A master's read-only window (`--http`): the dashboard, /status.json and /metrics.
 * @example
 * const window = await HttpWindow.open({ address: '127.0.0.1:0' }); // before the master: a busy port fails first
 * const master = await Master.start({ module: 'tasks.ts' });
 * window.watch(master);
 * await master.done;
 * await window.close(); // the pages have the summary
 */
export class HttpWindow {
  /** The URL to open, with the token when it is a new one (one from a file is not printed). */
  readonly url: string;
  readonly #server: Server;
  readonly #port: number;
  readonly #token: string | undefined;
  readonly #lease: number;
  readonly #feed = new EventFeed();
  readonly #history = new ThroughputHistory();
  #watch: RunWatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;
  #ended: Promise<void> | undefined;

  /** Binds `options.address` and prints its URL; a bad address or a failed bind is a usage error naming it. */
  static async open(options: HttpWindowOptions): Promise<HttpWindow> {
    const address = parseHttpAddress(options.address);
    const token = options.tokenFile !== undefined ? readToken(options.tokenFile) : address.loopback ? undefined : newToken();
    const server = createServer();
    server.listen(address.port, address.host);
    try {
      await once(server, 'listening');
    } catch (error) {
      throw new UsageError(`cannot listen on --http ${options.address}: ${(error as Error).message}`, { cause: error });
    }
    const generated = options.tokenFile === undefined && token !== undefined;
    const window = new HttpWindow(server, (server.address() as AddressInfo).port, token, options.lease ?? MASTER_DEFAULTS.lease, address.host, generated);
    const shown = options.tokenFile !== undefined ? `${window.url} (token from ${options.tokenFile})` : generated ? `${window.url} (every request needs the token)` : window.url;
    (options.logger ?? createLogger('http', 'info')).info(`dashboard at ${shown}; /metrics and /status.json beside it`);
    return window;
  }

  private constructor(server: Server, port: number, token: string | undefined, lease: number, host: string, showToken: boolean) {
    this.#server = server;
    this.#port = port;
    this.#token = token;
    this.#lease = lease;
    const base = httpUrl(host, port);
    this.url = showToken ? `${base}?token=${encodeURIComponent(token!)}` : base;
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.#serve(request, response));
  }

  /** Starts serving `master`'s run; its end sends every page the summary and closes their streams. */
  watch(master: Watched): void {
    this.#watch = master.watch;
    this.#sample();
    this.#timer = setInterval(() => this.#tick(), TICK_MS).unref();
    this.#ended = master.done.then((summary) => this.#end(summary));
  }

  /** Closes the window: the summary out first, if the run has ended; then the server. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    const wait = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
    await Promise.race([this.#ended ?? Promise.resolve(), wait]);
    this.#feed.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #tick(): void {
    if (++this.#ticks % (HISTORY_EVERY_MS / TICK_MS) === 0) this.#sample();
    if (this.#feed.size > 0) this.#feed.broadcast(this.#frame('snapshot'));
  }

  #sample(): void {
    const totals = this.#watch!.report().totals;
    this.#history.sample(Date.now(), totals.done + totals.failed);
  }

  #frame(event: 'snapshot' | 'end', summary?: Summary): string {
    return sseFrame(event, JSON.stringify(dashboardData(this.#watch!, this.#history, this.#lease, summary)));
  }

  async #end(summary: Summary): Promise<void> {
    clearInterval(this.#timer);
    this.#sample();
    await this.#feed.end(this.#frame('end', summary));
  }

  #serve(request: IncomingMessage, response: ServerResponse): void {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cache-Control', 'no-store');
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return reply(response, 405, 'text/plain', `${method} is not served here: this window is read-only (GET and HEAD only)\n`, { Allow: 'GET, HEAD' });
    if (this.#token === undefined && !isLoopbackHost(request.headers.host)) {
      return reply(response, 403, 'text/plain', `this dashboard answers only requests for a loopback host, not ${JSON.stringify(request.headers.host ?? '')}: open the URL the master printed\n`);
    }
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const given = requestToken(request, url, this.#port);
    if (this.#token !== undefined && !tokenMatches(given, this.#token)) {
      return reply(response, 401, 'text/plain', 'this dashboard needs its token: open the URL the master printed (…/?token=…), or send Authorization: Bearer <token>\n', { 'WWW-Authenticate': 'Bearer' });
    }
    // For HEAD, node:http sends the headers of the body given and not the body.
    switch (url.pathname) {
      case '/': {
        const page = dashboardPage();
        // The page's EventSource and fetches send the token back by themselves, as this cookie.
        const cookie: Record<string, string> = this.#token === undefined ? {} : { 'Set-Cookie': `${tokenCookie(this.#port)}=${encodeURIComponent(this.#token)}; Path=/; HttpOnly; SameSite=Strict` };
        return reply(response, 200, 'text/html', page.html, { 'Content-Security-Policy': page.contentSecurityPolicy, ...cookie });
      }
      case '/events':
        if (method === 'HEAD') return reply(response, 200, 'text/event-stream', '');
        if (!this.#feed.add(response, this.#watch && this.#frame('snapshot'))) reply(response, 503, 'text/plain', 'too many pages are watching this run\n');
        return;
      case '/status.json':
      case '/metrics': {
        if (this.#watch === undefined) return reply(response, 503, 'text/plain', 'the master is starting\n', { 'Retry-After': '1' });
        const report = this.#watch.report();
        const json = url.pathname === '/status.json';
        const body = json ? `${JSON.stringify(statusFields(report))}\n` : metricsText(report, this.#watch);
        return reply(response, 200, json ? 'application/json' : METRICS_CONTENT_TYPE, body);
      }
      case '/favicon.ico':
        return reply(response, 204, 'text/plain', '');
      default:
        return reply(response, 404, 'text/plain', `no ${url.pathname} here: / (the dashboard), /status.json, /metrics\n`);
    }
  }
}

function reply(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  const contentType = type.includes('charset') ? type : `${type}; charset=utf-8`;
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

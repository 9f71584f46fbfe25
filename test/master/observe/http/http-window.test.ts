/**
 * The --http window over real parts: a master (in this process, so its summary is at hand while
 * the window still serves) or tm-master, real tm-slave processes, real HTTP requests.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/common/log.js';
import { HttpWindow } from '../../../../src/master/observe/http/http-window.js';
import { Master } from '../../../../src/master/master.js';
import { FIXTURES, runBin, type Proc } from '../../../helpers/processes.js';
import { parsePrometheus, sampleValue } from '../../../helpers/prometheus.js';
import { useTestDir } from '../../../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const URL_LINE = /\[http\] dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/;
const dir = useTestDir();

/** A tm-master with --http that holds its jobs (TM_HOLD_UNTIL is never made): its numbers stand still. */
async function heldMaster(flags: readonly string[] = []): Promise<{ proc: Proc; url: string; address: string }> {
  const env = { TM_HOLD_UNTIL: join(dir.path, 'never'), TM_RECORD: join(dir.path, 'record.txt') };
  const proc = runBin('tm-master', [RECORD, 'n=50', '--address', 'tcp://127.0.0.1:*', '--state', join(dir.path, 's.json'), '--no-progress', '--http', '127.0.0.1:0', ...flags], { cwd: dir.path, env });
  const url = (await proc.waitFor(URL_LINE))[1]!;
  const address = (await proc.waitFor(/listening on (tcp:\/\/\S+?);/))[1]!;
  return { proc, url, address };
}

/** Runs `bin` and expects a usage error: exit 2, one line on stderr naming `pattern`, no stack. */
async function expectUsageError(args: readonly string[], pattern: RegExp): Promise<void> {
  const proc = runBin('tm-master', [RECORD, '--state', join(dir.path, 's.json'), ...args], { cwd: dir.path });
  expect(await proc.exited, proc.stderr).toEqual({ code: 2, signal: null });
  const lines = proc.stderr.trimEnd().split('\n');
  expect(lines, proc.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('--http', () => {
  it('serves /metrics whose counters are the summary’s, and /status.json that is the STATUS report', async () => {
    const n = 300;
    const master = await Master.start({ module: RECORD, args: { n: String(n) }, address: 'tcp://127.0.0.1:*', state: join(dir.path, 'm.json'), retries: 1, retryBackoff: 0, logLevel: 'error' });
    const window = await HttpWindow.open({ address: '127.0.0.1:0', lease: 30_000, logger: createLogger('http', 'error') });
    window.watch(master);
    try {
      const env = { TM_RECORD: join(dir.path, 'record.txt'), TM_FAIL_MOD: '25' };
      for (let i = 0; i < 2; i++) runBin('tm-slave', [RECORD, '--address', master.endpoint, '--threads', '1'], { cwd: dir.path, env });
      const summary = await master.done;
      const response = await fetch(new URL('metrics', window.url));
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const metrics = parsePrometheus(await response.text());
      const dead = n / 25; // jobs 0, 25, 50, …: each failed twice, its retry too
      expect(summary).toMatchObject({ outcome: 'finished', done: n - dead, failed: dead });
      expect(sampleValue(metrics, 'taskmaster_jobs_done_total')).toBe(summary.done);
      expect(sampleValue(metrics, 'taskmaster_jobs_dead_lettered_total')).toBe(summary.failed);
      expect(sampleValue(metrics, 'taskmaster_jobs_retried_total')).toBe(dead);
      expect(sampleValue(metrics, 'taskmaster_jobs_failed_total')).toBe(2 * dead);
      expect(sampleValue(metrics, 'taskmaster_watermark')).toBe(n);
      expect(sampleValue(metrics, 'taskmaster_jobs_finished')).toBe(n);
      expect(sampleValue(metrics, 'taskmaster_jobs_in_flight')).toBe(0);
      expect(sampleValue(metrics, 'taskmaster_jobs_buffered')).toBe(0);
      // Every handler run the slaves reported: each success once, each failing job twice (more only
      // if a slave's HELLO was repeated under load, and the jobs it held went round again).
      const requeued = sampleValue(metrics, 'taskmaster_jobs_requeued_total');
      const runs = sampleValue(metrics, 'taskmaster_job_duration_seconds_count');
      if (requeued === 0) expect(runs).toBe(summary.done + 2 * dead);
      else expect(runs).toBeGreaterThanOrEqual(summary.done + 2 * dead);
      expect(metrics.get('taskmaster_job_duration_seconds')?.type).toBe('histogram');
      expect(sampleValue(metrics, 'taskmaster_run_info', { module: RECORD })).toBe(1);
      const status = (await (await fetch(new URL('status.json', window.url))).json()) as { run: string; totals: { done: number; failed: number } };
      expect(status.run).toBe(master.watch.report().run);
      expect(status.totals).toMatchObject({ done: summary.done, failed: summary.failed });
    } finally {
      await window.close();
    }
  });

  it('gives /status.json the fields tm-status --json prints, and prints its URL as one line', async () => {
    const { proc, url, address } = await heldMaster();
    const status = runBin('tm-status', ['--address', address, '--json'], { cwd: dir.path });
    expect(await status.exited, status.stderr).toEqual({ code: 0, signal: null });
    const fromStatus = JSON.parse(status.stdout) as { startedAt?: number; totals: Record<string, unknown> };
    const response = await fetch(new URL('status.json', url));
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const fromHttp = (await response.json()) as { startedAt?: number; totals: Record<string, unknown> };
    expect(Object.keys(fromHttp)).toEqual(['run', 'module', 'fn', 'args', 'state', 'startedAt', 'stopping', 'retryFailed', 'lease', 'totals', 'slaves']);
    // Taken moments apart: only the clock moved (startedAt is now less elapsed: 1 ms either way).
    expect(Math.abs(fromHttp.startedAt! - fromStatus.startedAt!)).toBeLessThanOrEqual(1);
    for (const fields of [fromStatus, fromHttp]) {
      delete fields.totals.elapsedMs;
      delete fields.startedAt;
    }
    expect(fromHttp).toEqual(fromStatus);
    expect(proc.stderr.match(/\[http\] .*\n/g)).toEqual([`[http] dashboard at ${url}; /metrics and /status.json beside it\n`]);
  });

  it('serves GET and HEAD only, and nothing but its four paths', async () => {
    const { url } = await heldMaster();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(url, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
    const head = await fetch(url, { method: 'HEAD' });
    const get = await fetch(url);
    const page = await get.text();
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(page)));
    expect(page).toMatch(/<title>taskmaster<\/title>/);
    // Self-contained: its one script inline (allowed by hash), nothing from elsewhere.
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    expect(get.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect((await fetch(new URL('nope', url))).status).toBe(404);
  });

  it('answers without a token only requests for a loopback Host (no DNS rebinding)', async () => {
    const { url } = await heldMaster();
    const status = async (host: string): Promise<number | undefined> => {
      const request = get(new URL('status.json', url), { headers: { host } });
      const [response] = (await once(request, 'response')) as [IncomingMessage];
      response.resume();
      return response.statusCode;
    };
    expect(await status('rebound.example:8080')).toBe(403);
    expect(await status(`localhost:${new URL(url).port}`)).toBe(200);
  });

  it('asks for the token of --http-token-file, by query, bearer header or cookie, even on loopback', async () => {
    const token = 'a-token-for-this-test-0123456789';
    writeFileSync(join(dir.path, 'token'), `${token}\n`);
    const { proc, url } = await heldMaster(['--http-token-file', join(dir.path, 'token')]);
    expect(proc.stderr).toMatch(/dashboard at http:\/\/127\.0\.0\.1:\d+\/ \(token from .*token\)/);
    expect(proc.stderr).not.toContain(token);
    const metrics = new URL('metrics', url);
    const refused = await fetch(metrics);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/needs its token/);
    expect((await fetch(metrics, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
    expect((await fetch(`${metrics.href}?token=${token}`)).status).toBe(200);
    expect((await fetch(metrics, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const page = await fetch(`${url}?token=${token}`);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toBe(`tm_token_${new URL(url).port}=${token}`);
    expect((await fetch(new URL('status.json', url), { headers: { cookie } })).status).toBe(200);
  });

  it.each([
    ['an address without a port', ['--http', 'localhost'], /Expected `--http` to be HOST:PORT .*got `localhost`/],
    ['a port past 65535', ['--http', '127.0.0.1:70000'], /Expected `--http` to be HOST:PORT .*got `127\.0\.0\.1:70000`/],
    ['a URL', ['--http', 'http://127.0.0.1:8080'], /Expected `--http` to be HOST:PORT/],
    ['a token file without --http', ['--http-token-file', 'x'], /--http-token-file needs --http/],
    ['a missing token file', ['--http', '127.0.0.1:0', '--http-token-file', 'nope'], /cannot read --http-token-file nope: ENOENT/],
  ])('refuses %s with one line and exit 2', async (_, args, pattern) => {
    await expectUsageError(args, pattern);
  });

  it('refuses a port in use with one line and exit 2, before touching the state', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    try {
      await expectUsageError(['--http', `127.0.0.1:${port}`], new RegExp(`cannot listen on --http 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    } finally {
      server.close();
    }
  });
});

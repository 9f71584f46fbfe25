/**
 * --http on a non-loopback address, reached across a real (virtual) network: the master in one
 * network namespace, the requests from another (test/helpers/netns.ts). Needs root and iproute2:
 * without them skipped locally, failed under CI.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, labUnavailable } from '../helpers/netns.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const unavailable = labUnavailable();
const run = promisify(execFile);

if (unavailable !== undefined && !process.env.CI) process.stderr.write(`test/netns/http-token: skipped, network namespaces unavailable (${unavailable}); run as root with iproute2\n`);

/** Node's fetch from inside `netns`: the status, and the body's first line. */
async function fetchFrom(netns: string, url: string, init: RequestInit = {}): Promise<{ status: number; line: string }> {
  const script = 'const r = await fetch(process.argv[1], JSON.parse(process.argv[2])); console.log(JSON.stringify({ status: r.status, line: (await r.text()).split("\\n")[0] }));';
  const { stdout } = await run('ip', ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', script, url, JSON.stringify(init)]);
  return JSON.parse(stdout) as { status: number; line: string };
}

// Under CI a lab that cannot be made fails the test: it must run there.
describe.skipIf(unavailable !== undefined && !process.env.CI)('--http on a non-loopback address', () => {
  let lab: Lab;
  const dir = useTestDir();

  beforeAll(async () => {
    lab = await Lab.create('http', ['master', 'viewer']);
  });
  afterAll(() => lab?.remove());

  it('prints a URL with a new token, and answers 401 to a request from another host without it', async () => {
    const host = lab.host('master');
    const env = { TM_HOLD_UNTIL: join(dir.path, 'never') };
    const args = [RECORD, 'n=10', '--address', 'tcp://127.0.0.1:*', '--state', join(dir.path, 's.json'), '--no-progress', '--http', `${host.address}:8080`];
    const master = runBin('tm-master', args, { cwd: dir.path, env, netns: host.netns });
    const [, url, token] = await master.waitFor(/dashboard at (http:\/\/[\d.]+:8080\/)\?token=([\w-]+) \(every request needs the token\)/);
    expect(url).toBe(`http://${host.address}:8080/`);
    expect(token!.length).toBeGreaterThanOrEqual(32);
    const viewer = lab.host('viewer').netns;
    for (const path of ['', 'events', 'status.json', 'metrics']) {
      expect(await fetchFrom(viewer, `${url}${path}`), path).toEqual({ status: 401, line: expect.stringMatching(/needs its token/) as string });
    }
    expect((await fetchFrom(viewer, `${url}metrics?token=wrong`)).status).toBe(401);
    expect((await fetchFrom(viewer, `${url}metrics?token=${token}`)).line).toMatch(/^# HELP taskmaster_run_info /);
    expect((await fetchFrom(viewer, `${url}status.json`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // The token opens a read-only window, no more.
    expect((await fetchFrom(viewer, `${url}status.json?token=${token}`, { method: 'POST' })).status).toBe(405);
  });
});

/**
 * The dashboard in a real browser (headless Chromium through playwright-core, test/helpers/chromium.ts)
 * over a real run: tm-master with --http and two tm-slave processes running a fixture slow enough
 * to watch. Locally without Chromium: skipped with one line; under CI it must run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { FakeFleet, racks } from '../helpers/fake-fleet.js';
import { reservePort } from '../helpers/ports.js';
import { FIXTURES, ROOT, runBin, type Proc } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
/** Screenshots of each run, for people to look at: gitignored. */
const ARTIFACTS = join(ROOT, 'test-artifacts');
const URL_LINE = /\[http\] dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/;
const WAIT = { timeout: 60_000 };
const available = chromiumAvailable('test/http/dashboard.browser');

describe.skipIf(!available)('the dashboard in Chromium', () => {
  const dir = useTestDir();
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(() => browser?.close());

  // Each test's page is its own, and closed after it: an old page reconnecting to its ended master must not speak in the next test.
  afterEach(() => page?.close());

  async function open(url: string): Promise<void> {
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const own: string[] = (errors = []);
    page.on('pageerror', (error) => own.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && own.push(message.text())));
    await page.goto(url);
  }

  const text = (selector: string): Promise<string> => page.locator(selector).innerText();

  function master(flags: readonly string[], env: NodeJS.ProcessEnv): Proc {
    const args = [RECORD, '--state', join(dir.path, 'run.state.json'), '--no-progress', ...flags];
    return runBin('tm-master', args, { cwd: dir.path, env: { TM_RECORD: join(dir.path, 'record.txt'), ...env } });
  }

  it('follows a run: numbers move, a killed slave goes stale and its jobs are requeued, the summary ends it', async () => {
    const go = join(dir.path, 'go');
    const run = master(['n=600', '--address', 'tcp://127.0.0.1:*', '--http', '127.0.0.1:0', '--lease', '3000', '--retries', '0'], { TM_HOLD_UNTIL: go });
    const url = (await run.waitFor(URL_LINE))[1]!;
    const endpoint = (await run.waitFor(/listening on (tcp:\/\/\S+?);/))[1]!;
    // 2 lanes of 30 ms jobs (every tenth 150 ms) each: a few seconds a slave, long enough to watch.
    const env = { TM_RECORD: join(dir.path, 'record.txt'), TM_ASYNC_MS: '30', TM_FAIL_MOD: '97' };
    const slave = (name: string): Proc => runBin('tm-slave', [RECORD, '--address', endpoint, '--threads', '1', '--concurrency', '2', '--name', name], { cwd: dir.path, env });
    const [a] = [slave('slave-a'), slave('slave-b')];
    await open(url);
    await page.locator('tr[data-slave="slave-a"] td.lease-ok').waitFor(WAIT);
    await page.locator('tr[data-slave="slave-b"] td.lease-ok').waitFor(WAIT);
    expect(await text('#conn')).toBe('live');
    expect(await text('#target')).toBe(`${RECORD}:getJobs n=600`);
    expect(await text('#done')).toBe('0 / 600 (0.0%)');
    expect(await text('tr[data-slave="slave-a"]')).toMatch(/slave-a\s+\S+\s+1 × 2\s/);

    writeFileSync(go, '');
    await expect.poll(async () => Number((await text('#done')).split(' ')[0]!.replace(/,/g, '')), WAIT).toBeGreaterThan(0);
    await expect.poll(() => text('tr[data-slave="slave-a"] td:nth-child(5)'), WAIT).not.toBe('0');
    a.child.kill('SIGKILL');
    // Silent past its lease: its row goes stale, and the jobs it held go back in the buffer.
    const stale = page.locator('tr.stale[data-slave="slave-a"]');
    await stale.waitFor(WAIT);
    expect(await stale.innerText()).toMatch(/gone: silent for more than 3000 ms \(lease\); \d+ jobs requeued/);
    expect(await text('#requeues')).toMatch(/\d+ in-flight jobs of slave-a back in the buffer \(silent for more than 3000 ms \(lease\)\)/);
    expect(Number(await text('#requeued'))).toBeGreaterThan(0);
    expect(await page.locator('tr.stale[data-slave="slave-b"]').count()).toBe(0);

    // The run ends: the summary is shown and the stream is closed.
    await page.locator('#summary:not([hidden])').waitFor(WAIT);
    expect(await text('#summary-text')).toMatch(/^finished: 593 jobs done, 7 dead-lettered in [\d.]+ s \(\d+ jobs\/s\); exit code 1/);
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(await text('#conn')).toMatch(/^run (finished|over)/);
    expect(await text('#done')).toBe('600 / 600 (100.0%)');
    expect(await text('#dead-lettered')).toBe('7');
    expect(await text('#dead-letters')).toMatch(/582\s+1\s+slave-\w\s+\S+\s+job 582 is divisible by 97/);
    expect(await page.locator('#chart-line').getAttribute('points')).toMatch(/^[\d.]+,[\d.]+( [\d.]+,[\d.]+)+$/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('says it lost the master, reconnects, and shows the run of the master started again', async () => {
    const [zmq, http] = [await reservePort(), await reservePort()];
    const flags = ['n=50', '--address', `tcp://127.0.0.1:${zmq}`, '--http', `127.0.0.1:${http}`];
    const env = { TM_HOLD_UNTIL: join(dir.path, 'never') };
    const first = master(flags, env);
    const url = (await first.waitFor(URL_LINE))[1]!;
    await first.waitFor(/listening on/);
    await open(url);
    await expect.poll(() => text('#run-id'), WAIT).toMatch(/^[\da-f]{16}$/);
    const firstRun = await text('#run-id');
    first.child.kill('SIGKILL');
    await first.exited;
    await page.locator('#conn:text("lost the master")').waitFor(WAIT);
    const lostAt = /^lost the master at ([\d:]+); reconnecting…$/.exec(await text('#banner'))?.[1];
    expect(lostAt).toBeDefined();

    const second = master(flags, env);
    await second.waitFor(/listening on/);
    await expect.poll(() => text('#run-id'), WAIT).not.toBe(firstRun);
    expect(await text('#conn')).toBe('live');
    expect(await text('#banner')).toBe(`the master restarted: now run ${await text('#run-id')} (lost at ${lostAt})`);
    expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).toEqual([]);
  });

  it('takes the token from the URL once: the cookie it sets lets the stream in, and the address bar loses it', async () => {
    const token = 'a-token-for-the-browser-0123456789';
    writeFileSync(join(dir.path, 'token'), token);
    const run = master(['n=50', '--address', 'tcp://127.0.0.1:*', '--http', '127.0.0.1:0', '--http-token-file', join(dir.path, 'token')], { TM_HOLD_UNTIL: join(dir.path, 'never') });
    const url = (await run.waitFor(URL_LINE))[1]!;
    await open(`${url}?token=${token}`);
    await page.locator('#conn:text("live")').waitFor(WAIT);
    expect(new URL(page.url()).search).toBe('');
    expect(await text('#done')).toBe('0 / 50 (0.0%)');
    // Without the cookie the same address is refused.
    await browser.context.clearCookies();
    expect((await page.goto(url))?.status()).toBe(401);
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it('past 50 slaves shows a row per host and the slaves that stand out; its toggle shows every row, updated in place', async () => {
    const run = master(['n=1000', '--address', 'tcp://127.0.0.1:*', '--http', '127.0.0.1:0'], { TM_HOLD_UNTIL: join(dir.path, 'never') });
    const url = (await run.waitFor(URL_LINE))[1]!;
    const endpoint = (await run.waitFor(/listening on (tcp:\/\/\S+?);/))[1]!;
    // 60 slaves, 15 on each of 4 hosts (ids rack-1:100 … rack-4:159); rack-3:130 runs other code.
    const fleet = await FakeFleet.join(endpoint, racks(4, 15, 'c'.repeat(64), { index: 30, code: 'd'.repeat(64) }));
    try {
      await open(url);
      await expect.poll(() => errors, { timeout: 10_000 }).toEqual([]);
      await page.locator('#fleet:not([hidden])').waitFor(WAIT);
      expect(await text('#slave-count')).toBe('(60)');
      expect(await text('#fleet-line')).toBe('60 slaves on 4 hosts, by host');
      const hosts = await page.locator('#hosts tbody tr').allInnerTexts();
      expect(hosts.map((row) => row.split('\t').slice(0, 7))).toEqual([1, 2, 3, 4].map((n) => [`rack-${n}`, '15', '120', '0', '0', '0', '0']));
      expect(hosts[2]).toMatch(/\tcccccccccccc \+1 other$/);
      expect(await text('#attention-line')).toBe('needs attention: 1 slave (1 on other code)');
      expect((await page.locator('#attention tbody tr').allInnerTexts()).map((row) => row.split('\t'))).toEqual([['rack-3:130', 'rack-3', '0', '0', expect.stringMatching(/^\d+\.\d s ago$/), 'dddddddddddd', 'other code']]);
      // Folded: the table of every slave is hidden and holds no row.
      expect(await page.locator('#slaves').isHidden()).toBe(true);
      expect(await page.locator('#slaves tbody tr').count()).toBe(0);

      await page.click('#show-all');
      await expect.poll(() => page.locator('#slaves tbody tr').count(), WAIT).toBe(60);
      expect(await page.locator('#slaves').isVisible()).toBe(true);
      expect(await text('#show-all')).toBe('hide the 60 rows');
      expect(await text('tr[data-slave="rack-3:130"]')).toMatch(/^rack-3:130\track-3\t2 × 4\t0\t0\t0\t0\t[\d.]+ s ago\tdddddddddddd\tok$/);
      // The next snapshots write into the same rows, not into 60 new ones.
      await page.locator('#slaves tbody tr').evaluateAll((trs) => trs.forEach((tr) => tr.setAttribute('data-mark', '1')));
      const elapsed = await text('#elapsed');
      await expect.poll(() => text('#elapsed'), WAIT).not.toBe(elapsed);
      expect(await page.locator('#slaves tbody tr[data-mark="1"]').count()).toBe(60);

      await page.click('#show-all');
      await expect.poll(() => page.locator('#slaves tbody tr').count(), WAIT).toBe(0);
      expect(await text('#show-all')).toBe('show all 60 slaves');

      // A slave that leaves is listed first among those that need attention.
      await fleet.leave(5);
      await expect.poll(() => text('#slave-count'), WAIT).toBe('(59)');
      expect(await text('#attention-line')).toBe('needs attention: 1 slave (1 on other code); 1 gone from the run, listed first');
      expect((await page.locator('#attention tbody tr').allInnerTexts()).map((row) => [row.split('\t')[0], row.split('\t').at(-1)])).toEqual([
        ['rack-1:105', 'gone: left'],
        ['rack-3:130', 'other code'],
      ]);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-fleet.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await fleet.close();
    }
  });
});

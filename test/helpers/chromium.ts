/**
 * Headless Chromium for the page tests: Debian's `/usr/bin/chromium` (or `TM_TEST_CHROMIUM`),
 * driven by playwright-core, never a downloaded browser. Locally, without it, a test file is
 * skipped with one line on stderr; under CI a missing browser is a failure, never a skip.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.TM_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the browser is here; prints the skip line (or throws, under CI) when it is not. */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const reason = `no Chromium at ${CHROMIUM}; apt-get install -y chromium, or set TM_TEST_CHROMIUM`;
  if (process.env.CI) throw new Error(`${what}: ${reason}`);
  process.stderr.write(`${what}: skipped, ${reason}\n`);
  return false;
}

/** A headless browser with a fresh profile; `close()` ends it and removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'tm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

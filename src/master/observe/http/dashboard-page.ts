/**
 * The dashboard page, one self-contained document: page/dashboard.html with page/dashboard.js
 * put inline where it says, read once at start (`npm run build` copies page/ beside this file).
 * Its Content-Security-Policy allows that one script by its hash, and nothing from elsewhere.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface DashboardPage {
  readonly html: string;
  readonly contentSecurityPolicy: string;
}

const SCRIPT_MARK = '/* dashboard.js */';

let page: DashboardPage | undefined;

/** The page, loaded on first use. */
export function dashboardPage(): DashboardPage {
  if (page !== undefined) return page;
  const read = (name: string): string => readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');
  const html = read('dashboard.html');
  const script = read('dashboard.js');
  if (!html.includes(SCRIPT_MARK)) throw new Error(`page/dashboard.html has lost its ${SCRIPT_MARK} mark`);
  const hash = createHash('sha256').update(script).digest('base64');
  page = {
    html: html.replace(SCRIPT_MARK, () => script),
    contentSecurityPolicy: `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
  return page;
}

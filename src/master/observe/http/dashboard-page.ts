/**
 * The dashboard page, one self-contained document: page/dashboard.html with its scripts
 * (page/slave-rows.js, page/dashboard.js) put inline where it says, read once at start (`npm run
 * build` copies page/ beside this file). Its Content-Security-Policy allows those scripts by
 * their hashes, and nothing from elsewhere.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface DashboardPage {
  readonly html: string;
  readonly contentSecurityPolicy: string;
}

/** The page's scripts, in its order (dashboard.js uses slave-rows.js), each put inline at its mark: a script tag holding its name in a comment. */
const SCRIPTS = ['slave-rows.js', 'dashboard.js'] as const;

let page: DashboardPage | undefined;

/** The page, loaded on first use. */
export function dashboardPage(): DashboardPage {
  if (page !== undefined) return page;
  const read = (name: string): string => readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');
  let html = read('dashboard.html');
  const hashes: string[] = [];
  for (const name of SCRIPTS) {
    const mark = `<script>/* ${name} */</script>`;
    if (!html.includes(mark)) throw new Error(`page/dashboard.html has lost its ${mark} mark`);
    const script = read(name);
    hashes.push(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    html = html.replace(mark, () => `<script>${script}</script>`);
  }
  page = {
    html,
    contentSecurityPolicy: `default-src 'none'; script-src ${hashes.join(' ')}; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
  return page;
}

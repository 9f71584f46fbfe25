import type { Summary } from '../master/master.js';

/** The line a master prints when it ends. */
export function summaryLine(s: Summary): string {
  const seconds = s.durationMs / 1000;
  const what = s.outcome === 'finished' ? 'finished' : s.outcome === 'stopped' ? 'stopped' : 'failed';
  const total = s.total === undefined ? '' : ` of ${s.total}`;
  return `${what}: ${s.done} jobs done, ${s.failed} dead-lettered in ${seconds.toFixed(1)} s (${Math.round(s.rate)} jobs/s); ${s.finished}${total} finished over the whole run`;
}

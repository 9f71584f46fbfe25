import type { Summary } from '../master/master.js';
import { plural } from '../common/plural.js';

/**
 * The lines a master prints when it ends: the outcome (with the whole run's count when this
 * incarnation did not do it all), and where the dead-lettered jobs are and how to retry them.
 */
export function summaryLines(s: Summary): string[] {
  const seconds = s.durationMs / 1000;
  const total = s.total === undefined ? '' : ` of ${s.total}`;
  const wholeRun = s.outcome !== 'finished' || s.finished !== s.done + s.failed ? `; ${s.finished}${total} finished over the whole run` : '';
  const lines = [`${s.outcome}: ${plural(s.done, 'job')} done, ${s.failed} dead-lettered in ${seconds.toFixed(1)} s (${Math.round(s.rate)} jobs/s)${wholeRun}`];
  if (s.halt !== undefined) lines.push(s.halt.message);
  if (s.deadLetters !== undefined) lines.push(`dead-lettered jobs are in ${s.deadLetters}: fix what fails them, then run the same command with --retry-failed`);
  return lines;
}

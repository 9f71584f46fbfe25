/**
 * `--max-failures N` or `P%`: a run whose dead letters pass the limit stops, since a bug that
 * fails one job in ten should stop a run after 50 failures, not after 40 million. Counted over
 * this incarnation (a resumed run starts counting again, or it would stop at once), and a
 * percentage only once at least MIN_FINISHED jobs have finished, so that the first job failing
 * is not 100%.
 */
import { UsageError } from '../../common/errors.js';
import { plural } from '../../common/plural.js';

/** Finished jobs before a percentage limit applies. */
export const MIN_FINISHED = 100;

/** A dead-letter limit: a count, or a share of finished jobs. */
export type MaxFailures = { readonly count: number } | { readonly percent: number };

/** `--max-failures`' `N` (an integer >= 0) or `P%` (0 to 100); anything else is a usage error. */
export function parseMaxFailures(value: string | number): MaxFailures {
  const text = String(value).trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent !== null && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return { count: Number(text) };
  throw new UsageError(`Expected \`--max-failures\` to be an integer >= 0 or a percentage from 0% to 100%, got \`${value}\``);
}

/** How the limit reads in messages: `50` or `5%`. */
export function describeMaxFailures(limit: MaxFailures): string {
  return 'count' in limit ? String(limit.count) : `${limit.percent}%`;
}

/**
 * Why `failed` dead letters out of `finished` finished jobs pass `limit`, or undefined while they
 * do not. Passing means more than the limit: `--max-failures 50` lets 50 fail and stops at the 51st.
 */
export function failuresPast(limit: MaxFailures, failed: number, finished: number): string | undefined {
  if ('count' in limit) return failed > limit.count ? `${plural(failed, 'job')} dead-lettered, more than --max-failures ${limit.count}` : undefined;
  if (finished < MIN_FINISHED || failed * 100 <= limit.percent * finished) return undefined;
  const share = ((failed * 100) / finished).toFixed(1);
  return `${failed} of ${finished} finished jobs dead-lettered (${share}%), more than --max-failures ${limit.percent}%`;
}

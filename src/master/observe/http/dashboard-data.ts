/** What the page is sent, as JSON: the STATUS report's fields and what the watch adds, and at the end the summary. */
import { statusFields, type StatusFields } from '../status.js';
import type { RecentDeadLetter, RecentRequeue, RunWatch, WatchCounts } from '../watch.js';
import type { Summary } from '../summary.js';
import type { ThroughputHistory } from './throughput-history.js';

export interface DashboardData {
  /** Exactly /status.json. */
  readonly status: StatusFields;
  readonly counts: WatchCounts;
  /** The master's --lease, in ms: a slave silent for half of it is marked late. */
  readonly lease: number;
  /** `[ms since the epoch, jobs finished]`, oldest first. */
  readonly history: Array<[number, number]>;
  readonly deadLetters: readonly RecentDeadLetter[];
  readonly requeues: readonly RecentRequeue[];
  /** Once the run has ended. */
  readonly summary?: SummaryData;
}

/** A summary as JSON: its error as its message. */
export type SummaryData = Omit<Summary, 'error'> & { readonly error?: string };

/** The page's data now, with `summary` once the run has ended. */
export function dashboardData(watch: RunWatch, history: ThroughputHistory, lease: number, summary?: Summary): DashboardData {
  return {
    status: statusFields(watch.report()),
    counts: watch.counts,
    lease,
    history: history.points(),
    deadLetters: watch.deadLetters,
    requeues: watch.requeues,
    ...(summary && { summary: summaryData(summary) }),
  };
}

function summaryData(summary: Summary): SummaryData {
  const { error, ...rest } = summary;
  return { ...rest, ...(error && { error: error.message }) };
}

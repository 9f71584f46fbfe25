/** What the page is sent, as JSON: the STATUS report's fields and what the watch adds, and at the end the summary. */
import { summarised, summariseSlaves, type SlaveSummary } from '../slave-summary.js';
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
  /** Past SUMMARY_PAST slaves, what the page shows of them unless asked for every row. */
  readonly fleet?: SlaveSummary;
  /** Once the run has ended. */
  readonly summary?: SummaryData;
}

/** A summary as JSON: its error as its message. */
export type SummaryData = Omit<Summary, 'error'> & { readonly error?: string };

/** The page's data now, with `summary` once the run has ended. */
export function dashboardData(watch: RunWatch, history: ThroughputHistory, lease: number, summary?: Summary): DashboardData {
  const status = statusFields(watch.report());
  return {
    status,
    counts: watch.counts,
    lease,
    history: history.points(),
    deadLetters: watch.deadLetters,
    requeues: watch.requeues,
    ...(summarised(status.slaves) && { fleet: summariseSlaves(status.slaves, lease) }),
    ...(summary && { summary: summaryData(summary) }),
  };
}

function summaryData(summary: Summary): SummaryData {
  const { error, ...rest } = summary;
  return { ...rest, ...(error && { error: error.message }) };
}

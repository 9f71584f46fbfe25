/**
 * `/metrics` in the Prometheus text format (version 0.0.4), written by hand: a dozen series need
 * no client library's registry, and this way each is read from the one report and the one watch
 * the page reads, at scrape time, with nothing kept per series. docs/watching.md lists them.
 */
import type { StatusReport } from '../../../protocol/messages.js';
import type { RunWatch } from '../watch.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Kind = 'counter' | 'gauge';

/** A label value, escaped as the format asks. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A sample value: +Inf and -Inf spelled as the format spells them. */
function value(n: number): string {
  return n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : String(n);
}

/** The metrics of the run `report` shows and `watch` has counted. */
export function metricsText(report: StatusReport, watch: RunWatch): string {
  const lines: string[] = [];
  const series = (name: string, kind: Kind, help: string, n: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`, `${name} ${value(n)}`);
  };
  const counts = watch.counts;
  const t = report.totals;
  lines.push('# HELP taskmaster_run_info The run this master serves: 1, its labels say which.', '# TYPE taskmaster_run_info gauge');
  lines.push(`taskmaster_run_info{run="${label(report.run)}",module="${label(report.module)}",fn="${label(report.fn)}",state="${label(report.state)}"} 1`);
  series('taskmaster_jobs_done_total', 'counter', 'Jobs this master recorded done.', counts.done);
  series('taskmaster_jobs_failed_total', 'counter', 'Attempts that failed (handler threw or timed out, or handleResult threw), retried or not.', counts.failedAttempts);
  series('taskmaster_jobs_dead_lettered_total', 'counter', 'Jobs that failed their last attempt and went to the dead-letter file.', counts.deadLettered);
  series('taskmaster_jobs_retried_total', 'counter', 'Failed attempts sent round again after their backoff.', counts.retried);
  series('taskmaster_jobs_requeued_total', 'counter', 'In-flight jobs put back in the buffer: their slave left, went silent past its lease, or reconnected.', counts.requeued);
  series('taskmaster_jobs_buffered', 'gauge', 'Jobs pulled from the generator, waiting for a slave.', t.buffered);
  series('taskmaster_jobs_in_flight', 'gauge', 'Jobs sent to slaves and not yet reported.', t.inFlight);
  series('taskmaster_jobs_retrying', 'gauge', 'Failed jobs waiting out their backoff or ready to go again.', t.retrying);
  series('taskmaster_slaves_connected', 'gauge', 'Slaves admitted and not gone.', report.slaves.length);
  series('taskmaster_watermark', 'gauge', 'Every seq below it is finished (done or dead-lettered), over the whole run.', t.watermark);
  series('taskmaster_jobs_finished', 'gauge', 'Jobs finished (done or dead-lettered) over the whole run, across restarts.', t.done + t.failed);
  if (t.total !== null) series('taskmaster_jobs', 'gauge', 'Jobs in the run, as countJobs says.', t.total);
  const name = 'taskmaster_job_duration_seconds';
  lines.push(`# HELP ${name} Handler time per job as slaves report it: each DONE's jobs at that DONE's mean (sum and count exact).`, `# TYPE ${name} histogram`);
  for (const [bound, count] of watch.durations.cumulative()) lines.push(`${name}_bucket{le="${value(bound)}"} ${count}`);
  lines.push(`${name}_sum ${watch.durations.sumSeconds}`, `${name}_count ${watch.durations.count}`);
  return `${lines.join('\n')}\n`;
}

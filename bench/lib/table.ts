/** The table for people that closes a bench run: one line per figure. */
import type { Row } from './report.js';

const COLUMNS = ['workload', 'jobs', 'jobs/s', 'baseline jobs/s', 'ratio', 'target', 'pass', 'master MB', 'slave MB'] as const;

/** Renders the rows as an aligned text table, plus the lines the memory and tail figures need. */
export function table(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.name,
    thousands(row.jobs),
    thousands(row.jobs_per_s),
    row.baseline_jobs_per_s === null ? '-' : thousands(row.baseline_jobs_per_s),
    row.ratio === null ? '-' : row.ratio.toFixed(2),
    row.target ?? '-',
    row.pass === null ? '-' : row.pass ? 'yes' : 'NO',
    row.master_peak_rss_mb === null ? '-' : row.master_peak_rss_mb.toFixed(0),
    row.slave_peak_rss_mb === null ? '-' : row.slave_peak_rss_mb.toFixed(0),
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]!.length)));
  const render = (line: readonly string[]): string => line.map((cell, i) => (i === 0 || i === 5 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  const lines = [render(COLUMNS), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)];
  for (const row of rows) {
    if (row.name === 'memory' || row.name === 'memory-mjs') {
      lines.push(
        `${row.name}: peak RSS ${thousands(Number(row.small_jobs))} -> ${thousands(row.jobs)} jobs: master ${row.small_master_peak_rss_mb} -> ${row.master_peak_rss_mb} MB (x${row.master_rss_growth}), slave ${row.small_slave_peak_rss_mb} -> ${row.slave_peak_rss_mb} MB (x${row.slave_rss_growth})`,
      );
    }
    if (row.name.startsWith('startup') || row.name === 'small-run') {
      lines.push(`${row.name}: ${row.jobs} jobs, spawn to exit: engine ${row.seconds} s vs bare script ${row.baseline_seconds} s (x${row.ratio}${row.target === null ? '' : `, target ${row.target}`})`);
    }
    if (row.name === 'noop-4000') {
      lines.push(
        `noop whole process (spawn to exit): ${row.whole_process_s} s (${thousands(Number(row.whole_process_jobs_per_s))} jobs/s) vs floor-4000 ${row.baseline_whole_process_s} s (${thousands(Number(row.baseline_whole_process_jobs_per_s))} jobs/s): x${row.ratio}; welcome to summary x${row.welcome_to_summary_ratio}`,
      );
    }
    if (row.name === 'billion') {
      lines.push(
        `billion: ${row.kills} kill -9s of the master at ${(row.killed_at_done as number[]).map(thousands).join(', ')} done: ${row.seconds} s vs ${row.baseline_seconds} s clean (x${row.ratio}), ${thousands(Number(row.reruns))} re-runs, state ${row.state_verified ? 'finished, every seq done' : 'NOT VERIFIED'}; peak RSS master ${row.master_peak_rss_mb} MB (clean ${row.baseline_master_peak_rss_mb}), slave ${row.slave_peak_rss_mb} MB (clean ${row.baseline_slave_peak_rss_mb})`,
      );
    }
    if (row.name === 'lines-resume') {
      lines.push(
        `lines-resume: a ${(Number(row.file_bytes) / 2 ** 30).toFixed(2)} GiB file resumed at byte ${thousands(Number(row.resume_offset))}: its last ${row.jobs} lines took ${row.resume_run_s} s from spawn to exit, its first ${row.jobs} ${row.fresh_run_s} s; the source's first job ${row.source_first_job_ms_resumed} ms resumed, ${row.source_first_job_ms_fresh} ms fresh`,
      );
    }
    if (row.name.startsWith('fleet-sim-lease')) {
      lines.push(`${row.name}: a silenced slave's jobs requeued ${row.requeue_s ?? '-'} s after it went silent (lease ${row.lease_ms} ms; ${row.target}): ${row.pass === true ? 'yes' : 'NO'}`);
    } else if (row.name.startsWith('fleet-sim')) {
      const ideal = row.ideal_jobs_per_s === null ? '' : ` of ${thousands(Number(row.ideal_jobs_per_s))} the handlers allow`;
      lines.push(
        `${row.name}: ${thousands(row.jobs_per_s)} jobs/s${ideal}${row.ratio === null ? '' : ` (x${row.ratio} of 10 slaves)`}; jobs/slave ${row.jobs_per_slave_min}/${row.jobs_per_slave_median}/${row.jobs_per_slave_max} (cv ${row.jobs_per_slave_cv}); master CPU ${row.master_cpu_s} s (${row.master_cpu_us_per_job} us/job), RSS ${row.master_peak_rss_mb} MB; tm-status ${row.tm_status_s ?? '-'} s, /status.json ${row.status_json_ms ?? '-'} ms`,
      );
    }
    if (row.name === 'tail') {
      lines.push(
        `tail: ${row.jobs} jobs of ${row.job_ms} ms over ${row.slaves} slaves x ${row.lanes_per_slave} lanes ran ${row.run_s} s vs ideal ${row.ideal_s} s: tail ${ms(row.tail_s)} (${row.tail_in_jobs} jobs; lanes busy ${(Number(row.busy) * 100).toFixed(1)}%), idle tail ${ms(row.idle_tail_s)}, bound ${ms(row.bound_s)}`,
      );
    }
  }
  return lines.join('\n');
}

function thousands(value: number): string {
  return value.toLocaleString('en-US');
}

function ms(seconds: unknown): string {
  return `${Math.round(Number(seconds) * 1000)} ms`;
}

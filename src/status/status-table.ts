/**
 * A master's REPORT as text for people: the run, its totals, and one row per slave; past
 * SUMMARY_PAST slaves, a row per host and the slaves that stand out instead (slave-summary.ts).
 */
import { SUMMARY_PAST, summarised, summariseSlaves, type HostRow, type SlaveSummary } from '../master/observe/slave-summary.js';
import type { SlaveStatus, StatusReport } from '../protocol/messages.js';

// Made once: toLocaleString makes a formatter a call, and --all-slaves calls it thousands of times.
const numbers = new Intl.NumberFormat('en-US');
const int = (n: number): string => numbers.format(Math.round(n));

/** `75 s` as `1 min 15 s`, `4000 s` as `1 h 6 min`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Columns padded to their widest cell; numbers to the right. */
function columns(rows: readonly (readonly string[])[], right: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** `1 host`, `1,200 hosts`. */
const counted = (n: number, noun: string): string => `${int(n)} ${n === 1 ? noun : `${noun}s`}`;
const seen = (ms: number): string => `${(ms / 1000).toFixed(1)} s ago`;
// The code it runs (HELLO's bundle, 12 hex digits, as log lines show it), or - when it said none.
const code = (bundle: string | undefined): string => bundle?.slice(0, 12) ?? '-';

/** `name` cut to `max` characters, its middle given up (host and slave names differ at both ends). */
function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  const head = Math.ceil((max - 1) / 2);
  return `${name.slice(0, head)}…${name.slice(name.length - (max - 1 - head))}`;
}

function slaveRow(slave: SlaveStatus): string[] {
  return [
    slave.id,
    slave.host,
    String(slave.pid),
    `${slave.threads} × ${slave.concurrency}`,
    int(slave.inFlight),
    int(slave.done),
    int(slave.failed),
    int(slave.rate),
    seen(slave.lastSeenMs),
    code(slave.bundle),
  ];
}

function hostRow(row: HostRow): string[] {
  const codes = row.codes > 1 ? ` +${row.codes - 1} other` : '';
  return [fit(row.host, 24), int(row.slaves), int(row.lanes), int(row.inFlight), int(row.done), int(row.failed), int(row.rate), seen(row.lastSeenMs), `${code(row.bundle)}${codes}`];
}

/** The slaves as rows per host, those that stand out, and how to see them all: about 70 lines at most. */
function summaryLines(summary: SlaveSummary): string[] {
  const { standOut: out } = summary;
  const hosts = [['host', 'slaves', 'lanes', 'in flight', 'done', 'failed', 'jobs/s', 'last seen', 'code'], ...summary.rows.map(hostRow)];
  if (summary.rest) hosts.push(hostRow(summary.rest));
  const busiest = summary.rest ? `, the ${int(summary.rows.length)} busiest first` : '';
  const lines = [`${int(summary.slaves)} slaves on ${counted(summary.hosts, 'host')}, by host${busiest}:`, ...columns(hosts, new Set([1, 2, 3, 4, 5, 6, 7])), ''];
  if (out.total === 0) lines.push(`no slave stands out: none silent for ${duration(summary.silentMs / 1000)}, none failing, ${summary.bundle === undefined ? 'all say no code' : 'all on the same code'}`);
  else {
    const counts = [`${int(out.silent)} silent ${duration(summary.silentMs / 1000)} or more`, `${int(out['other code'])} on other code`, `${int(out.failures)} with failures`].filter((text) => !text.startsWith('0 '));
    const first = out.total > summary.attention.length ? `; the first ${summary.attention.length}` : '';
    lines.push(`needs attention: ${counted(out.total, 'slave')} (${counts.join(', ')})${first}:`);
    const rows = summary.attention.map(({ slave, why }) => [fit(slave.id, 24), int(slave.inFlight), int(slave.failed), seen(slave.lastSeenMs), code(slave.bundle), why.join(', ')]);
    lines.push(...columns([['slave', 'in flight', 'failed', 'last seen', 'code', 'why'], ...rows], new Set([1, 2, 3])));
  }
  lines.push('', `${int(summary.slaves)} slaves summarised (past ${SUMMARY_PAST}): tm-status --all-slaves prints a row each, --json all`);
  return lines;
}

/** How the slaves are shown: a row each even past SUMMARY_PAST (`--all-slaves`). */
export interface TableOptions {
  readonly allSlaves?: boolean;
}

/** The report as lines: `now` (ms since the epoch) dates "started … ago". */
export function statusTable(report: StatusReport, now = Date.now(), options: TableOptions = {}): string {
  const { totals: t } = report;
  const args = Object.entries(report.args).map(([key, value]) => ` ${key}=${value}`).join('');
  const finished = t.done + t.failed;
  const done = t.total === null ? int(t.done) : `${int(t.done)} / ${int(t.total)} (${((finished / Math.max(t.total, 1)) * 100).toFixed(1)}%)`;
  const started = new Date(report.startedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  const lines = [
    `run      ${report.run}  ${report.module}:${report.fn}${args}${report.retryFailed ? '  (--retry-failed)' : ''}`,
    `state    ${report.state}`,
    `started  ${started} (${duration((now - report.startedAt) / 1000)} ago)${report.stopping ? '  stopping' : ''}`,
    '',
    `done ${done}   failed ${int(t.failed)}   in flight ${int(t.inFlight)}   buffered ${int(t.buffered)} / ${int(t.size)}   watermark ${int(t.watermark)}`,
    `rate ${int(t.rate)} jobs/s   ETA ${t.etaSeconds === null ? '-' : duration(t.etaSeconds)}${t.retrying > 0 ? `   retrying ${int(t.retrying)}` : ''}`,
    '',
  ];
  if (report.slaves.length === 0) return [...lines, 'no slave connected'].join('\n');
  if (summarised(report.slaves) && options.allSlaves !== true) return [...lines, ...summaryLines(summariseSlaves(report.slaves, report.lease))].join('\n');
  const header = ['slave', 'host', 'pid', 'threads × conc', 'in flight', 'done', 'failed', 'jobs/s', 'last seen', 'code'];
  return [...lines, ...columns([header, ...report.slaves.map(slaveRow)], new Set([2, 4, 5, 6, 7, 8]))].join('\n');
}

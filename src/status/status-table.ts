/** A master's REPORT as text for people: the run, its totals, and one row per slave. */
import type { SlaveStatus, StatusReport } from '../protocol/messages.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

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
    `${(slave.lastSeenMs / 1000).toFixed(1)} s ago`,
    // The code it runs (HELLO's bundle, 12 hex digits, as log lines show it), or - when it said none.
    slave.bundle?.slice(0, 12) ?? '-',
  ];
}

/** The report as lines: `now` (ms since the epoch) dates "started … ago". */
export function statusTable(report: StatusReport, now = Date.now()): string {
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
  const header = ['slave', 'host', 'pid', 'threads × conc', 'in flight', 'done', 'failed', 'jobs/s', 'last seen', 'code'];
  return [...lines, ...columns([header, ...report.slaves.map(slaveRow)], new Set([2, 4, 5, 6, 7, 8]))].join('\n');
}

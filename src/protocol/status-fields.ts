/** The decoder of a master's REPORT (the answer to STATUS): every field checked, as for any message. */
import { bool, fail, int, line, list, num, record, sha256Hex } from './fields.js';
import type { RunTotals, SlaveStatus, StatusReport } from './messages.js';

/** Most `key=value` args a report may carry. */
const MAX_ARGS = 1000;
const MAX_TEXT = 4096;

function count(value: unknown, what: string): number {
  return int(value, what, 0);
}

/** A count that the master may not know (the total, the ETA): null then. */
function orNull<T>(value: unknown, check: (value: unknown) => T): T | null {
  return value === null ? null : check(value);
}

function args(value: unknown): Record<string, string> {
  const entries = Object.entries(record(value, 'args'));
  if (entries.length > MAX_ARGS) fail(`args must have at most ${MAX_ARGS} entries`);
  const out: Record<string, string> = {};
  for (const [key, word] of entries) {
    line(key, 'an args key', 256);
    Object.defineProperty(out, key, { value: line(word, `args.${key}`, MAX_TEXT), enumerable: true });
  }
  return out;
}

function totals(value: unknown): RunTotals {
  const t = record(value, 'totals');
  return {
    done: count(t.done, 'totals.done'),
    failed: count(t.failed, 'totals.failed'),
    total: orNull(t.total, (v) => count(v, 'totals.total')),
    inFlight: count(t.inFlight, 'totals.inFlight'),
    buffered: count(t.buffered, 'totals.buffered'),
    size: count(t.size, 'totals.size'),
    retrying: count(t.retrying, 'totals.retrying'),
    watermark: count(t.watermark, 'totals.watermark'),
    rate: num(t.rate, 'totals.rate'),
    etaSeconds: orNull(t.etaSeconds, (v) => num(v, 'totals.etaSeconds')),
    elapsedMs: num(t.elapsedMs, 'totals.elapsedMs'),
  };
}

function slave(value: unknown): SlaveStatus {
  const s = record(value, 'slave');
  return {
    id: line(s.id, 'slave.id', 256),
    host: line(s.host, 'slave.host', 256),
    pid: count(s.pid, 'slave.pid'),
    threads: int(s.threads, 'slave.threads', 1),
    concurrency: int(s.concurrency, 'slave.concurrency', 1),
    inFlight: count(s.inFlight, 'slave.inFlight'),
    done: count(s.done, 'slave.done'),
    failed: count(s.failed, 'slave.failed'),
    rate: num(s.rate, 'slave.rate'),
    lastSeenMs: num(s.lastSeenMs, 'slave.lastSeenMs'),
    ...(s.bundle === undefined ? {} : { bundle: sha256Hex(s.bundle, 'slave.bundle') }),
  };
}

/** A REPORT's payload, its `run` already checked. */
export function statusReport(payload: Record<string, unknown>, run: string): StatusReport {
  return {
    command: 'REPORT',
    run,
    module: line(payload.module, 'module', MAX_TEXT),
    fn: line(payload.fn, 'fn', 256),
    args: args(payload.args),
    state: line(payload.state, 'state', MAX_TEXT),
    startedAt: num(payload.startedAt, 'startedAt'),
    stopping: bool(payload.stopping, 'stopping'),
    retryFailed: bool(payload.retryFailed, 'retryFailed'),
    ...(payload.lease === undefined ? {} : { lease: int(payload.lease, 'lease', 1) }),
    totals: totals(payload.totals),
    slaves: list(payload.slaves, 'slaves').map(slave),
  };
}

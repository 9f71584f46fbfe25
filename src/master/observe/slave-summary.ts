/**
 * A fleet too big for a row per slave, summarised: one row per host, and the few slaves that
 * stand out (silent, running other code, failing). tm-status prints it and the dashboard draws
 * it past SUMMARY_PAST slaves; both read this one function, so they agree on what stands out.
 * It lives in master/observe because the dashboard's feed is built here and may not import
 * the higher src/status.
 */
import type { SlaveStatus } from '../../protocol/messages.js';

/** Up to this many slaves, a row each; past it, the summary. */
export const SUMMARY_PAST = 50;
/** Most host rows; past them, one row counts the rest. */
export const MAX_HOST_ROWS = 50;
/** Most slaves the attention list names; the rest are counted by reason. */
export const MAX_ATTENTION = 10;
/** A slave pings at least every second: silent 3 s is 3 missed pings (less when half the lease is less). */
export const SILENT_MS = 3000;

/** The slaves of one host (or of the hosts past MAX_HOST_ROWS), added up: their counts and rate summed. */
export interface HostRow extends Pick<SlaveStatus, 'host' | 'inFlight' | 'done' | 'failed' | 'rate'> {
  readonly slaves: number;
  /** Threads × concurrency, summed: the jobs the host runs at once. */
  readonly lanes: number;
  /** The longest any of its slaves has been silent. */
  readonly lastSeenMs: number;
  /** The code most of its slaves run (sha256 hex), or none when they said none. */
  readonly bundle?: string;
  /** How many different codes its slaves run (a slave that said none counts as one): above 1 is a mixed host. */
  readonly codes: number;
}

/** Why a slave stands out. */
export type AttentionReason = 'silent' | 'other code' | 'failures';

export interface AttentionSlave {
  readonly slave: SlaveStatus;
  readonly why: readonly AttentionReason[];
}

export interface SlaveSummary {
  readonly slaves: number;
  readonly hosts: number;
  /** Sorted by host name; when there are more than MAX_HOST_ROWS hosts, the busiest (jobs in flight, then rate). */
  readonly rows: readonly HostRow[];
  /** The hosts past `rows`, added up in one row (its `host` says how many), if any. */
  readonly rest?: HostRow;
  /** The code most slaves run. */
  readonly bundle?: string;
  /** Silent for this long (ms) or more is `silent`. */
  readonly silentMs: number;
  /** The slaves that stand out most, at most MAX_ATTENTION: silent longest first, then other code, then most failures. */
  readonly attention: readonly AttentionSlave[];
  /** How many slaves stand out for each reason, the ones not listed included. */
  readonly standOut: Readonly<Record<AttentionReason, number>> & { readonly total: number };
}

/** Whether `slaves` are shown as a summary rather than a row each. */
export function summarised(slaves: readonly SlaveStatus[]): boolean {
  return slaves.length > SUMMARY_PAST;
}

/** When a slave counts as silent: half the master's lease, and at most SILENT_MS. */
export function silentAfter(lease: number | undefined): number {
  return lease === undefined ? SILENT_MS : Math.min(SILENT_MS, lease / 2);
}

const NONE = '';
const byName = new Intl.Collator('en', { numeric: true }).compare;

/** The value that occurs most in `counts` (ties: the first met). */
function mostCommon(counts: ReadonlyMap<string, number>): string {
  let best = NONE;
  let most = 0;
  for (const [value, n] of counts) if (n > most) [best, most] = [value, n];
  return best;
}

/** A host row's numbers, added to as its slaves are met. */
type Counts = { -readonly [K in Exclude<keyof HostRow, 'bundle' | 'codes'>]: HostRow[K] };

interface HostTally {
  readonly row: Counts;
  /** Slaves by the code they run (NONE: said none). */
  readonly bundles: Map<string, number>;
}

function tally(host: string): HostTally {
  return { row: { host, slaves: 0, lanes: 0, inFlight: 0, done: 0, failed: 0, rate: 0, lastSeenMs: 0 }, bundles: new Map() };
}

function addCounts(into: HostTally, c: Omit<Counts, 'host'>, bundles: Iterable<[string, number]>): void {
  const r = into.row;
  r.slaves += c.slaves;
  r.lanes += c.lanes;
  r.inFlight += c.inFlight;
  r.done += c.done;
  r.failed += c.failed;
  r.rate += c.rate;
  r.lastSeenMs = Math.max(r.lastSeenMs, c.lastSeenMs);
  for (const [bundle, n] of bundles) into.bundles.set(bundle, (into.bundles.get(bundle) ?? 0) + n);
}

function add(into: HostTally, s: SlaveStatus): void {
  addCounts(into, { slaves: 1, lanes: s.threads * s.concurrency, inFlight: s.inFlight, done: s.done, failed: s.failed, rate: s.rate, lastSeenMs: s.lastSeenMs }, [[s.bundle ?? NONE, 1]]);
}

function hostRow({ row, bundles }: HostTally): HostRow {
  const bundle = mostCommon(bundles);
  return { ...row, ...(bundle === NONE ? {} : { bundle }), codes: bundles.size };
}

/** What stands out about `s`, in order of weight. */
function reasons(s: SlaveStatus, silentMs: number, fleetBundle: string, mixed: boolean): AttentionReason[] {
  const why: AttentionReason[] = [];
  if (s.lastSeenMs >= silentMs) why.push('silent');
  if (mixed && (s.bundle ?? NONE) !== fleetBundle) why.push('other code');
  if (s.failed > 0) why.push('failures');
  return why;
}

const WEIGHT: Record<AttentionReason, number> = { silent: 0, 'other code': 1, failures: 2 };

function before(a: AttentionSlave, b: AttentionSlave): number {
  return WEIGHT[a.why[0]!] - WEIGHT[b.why[0]!] || b.slave.lastSeenMs - a.slave.lastSeenMs || b.slave.failed - a.slave.failed || byName(a.slave.id, b.slave.id);
}

/**
 * The summary of `slaves`; `lease` (the master's, in ms) sets when a slave counts as silent.
 * One pass to group, sorts of the hosts and of the slaves that stand out only: cheap at thousands.
 */
export function summariseSlaves(slaves: readonly SlaveStatus[], lease?: number): SlaveSummary {
  const hosts = new Map<string, HostTally>();
  const fleet = tally('');
  for (const s of slaves) {
    let host = hosts.get(s.host);
    if (host === undefined) hosts.set(s.host, (host = tally(s.host)));
    add(host, s);
    add(fleet, s);
  }
  let tallies = [...hosts.values()];
  let rest: HostRow | undefined;
  if (tallies.length > MAX_HOST_ROWS) {
    tallies.sort(({ row: a }, { row: b }) => b.inFlight - a.inFlight || b.rate - a.rate || byName(a.host, b.host));
    const others = tally(`${(tallies.length - MAX_HOST_ROWS).toLocaleString('en-US')} more hosts`);
    for (const host of tallies.slice(MAX_HOST_ROWS)) addCounts(others, host.row, host.bundles);
    rest = hostRow(others);
    tallies = tallies.slice(0, MAX_HOST_ROWS);
  } else tallies.sort(({ row: a }, { row: b }) => byName(a.host, b.host));
  const rows = tallies.map(hostRow);

  const fleetBundle = mostCommon(fleet.bundles);
  const silentMs = silentAfter(lease);
  const standOut = { silent: 0, 'other code': 0, failures: 0, total: 0 };
  const flagged: AttentionSlave[] = [];
  for (const slave of slaves) {
    const why = reasons(slave, silentMs, fleetBundle, fleet.bundles.size > 1);
    if (why.length === 0) continue;
    for (const reason of why) standOut[reason]++;
    standOut.total++;
    flagged.push({ slave, why });
  }
  const attention = flagged.sort(before).slice(0, MAX_ATTENTION);
  return { slaves: slaves.length, hosts: hosts.size, rows, ...(rest && { rest }), ...(fleetBundle === NONE ? {} : { bundle: fleetBundle }), silentMs, attention, standOut };
}

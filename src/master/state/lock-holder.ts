/**
 * Who holds a state lock, and whether that holder is gone: the record a master writes into
 * `<state>.lock`, read back and judged by the next master.
 *
 * A pid alone names no process once masters run in containers: each pid namespace has its own
 * pid 1, and a shared volume is seen from other hosts. So the record names the host, the boot
 * (`/proc/sys/kernel/random/boot_id`, shared by every container of one kernel), the pid and the
 * process's start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot). On the same
 * host and boot, "pid with that start time no longer exists" is exact: a restarted container's
 * new pid 1 is another process with another start time, so it resumes at once. Anywhere else
 * only the heartbeat can tell (state-lock.ts). Two live containers on one kernel with the same
 * host name and separate pid namespaces are not told apart; containers get host names of their
 * own (Kubernetes: the pod name; Docker: the container id).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { StateError } from '../../common/errors.js';
import { readOrDefault } from '../../common/read-or-default.js';

/** What a lock file records about its holder. */
export interface LockHolder {
  readonly host: string;
  /** The kernel's boot id, '' where there is none (not Linux). */
  readonly boot: string;
  readonly pid: number;
  /** Start time of `pid` in clock ticks since boot; null where /proc cannot say (then only the pid is checked). */
  readonly start: number | null;
  /** This master's incarnation: a random token, so a lock taken over is told from ours even with our pid. */
  readonly run: string;
  /** The holder's `--lock-stale`: it beats every third of it, so its lock is judged by at least this. */
  readonly stale: number;
}

/** The holder record of this process, for a new incarnation that beats every `stale` / 3 ms. */
export function ownHolder(stale: number): LockHolder {
  return { host: hostname(), boot: bootId(), pid: process.pid, start: processStart(process.pid) ?? null, run: randomBytes(8).toString('hex'), stale };
}

/** The lock file's text for `holder`: one JSON line. */
export function encodeHolder(holder: LockHolder): string {
  return `${JSON.stringify(holder)}\n`;
}

/**
 * The holder recorded in the lock at `path`, 'gone' if the file vanished. A lock of an older
 * taskmaster (a pid alone) is read as a holder on this host and boot. Throws a StateError naming
 * the file when it holds neither.
 */
export function readHolder(path: string, statePath: string): LockHolder | 'gone' {
  const text = readOrDefault(path, undefined, 'lock');
  if (text === undefined) return 'gone';
  const legacy = /^(\d{1,10})\n?$/.exec(text);
  if (legacy !== null && Number(legacy[1]) > 0) return { host: hostname(), boot: bootId(), pid: Number(legacy[1]), start: null, run: '', stale: 0 };
  const holder = parse(text);
  if (holder === undefined) {
    throw new StateError(`lock ${path} of state file ${statePath} holds no holder this master can read (${JSON.stringify(text.slice(0, 60))}); remove it if no master is running`);
  }
  return holder;
}

function parse(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { host, boot, pid, start, run, stale } = value as Record<string, unknown>;
  if (typeof host !== 'string' || typeof boot !== 'string' || typeof run !== 'string') return undefined;
  if (!Number.isSafeInteger(stale) || (stale as number) < 0) return undefined;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
  if (start !== null && !Number.isSafeInteger(start)) return undefined;
  return { host, boot, pid: pid as number, start: start as number | null, run, stale: stale as number };
}

/** Whether `holder` ran on this host in this boot: only then can its process be looked up. */
export function sameMachine(holder: LockHolder): boolean {
  return holder.host === hostname() && holder.boot === bootId();
}

/** Whether the process of `holder` (on this machine) is gone: its pid is free, or taken by a process that started at another time. */
export function holderGone(holder: LockHolder): boolean {
  if (holder.start === null) return !isAlive(holder.pid);
  return processStart(holder.pid) !== holder.start;
}

/** How a message names the holder: host and pid. */
export function describeHolder(holder: LockHolder): string {
  return `${holder.host} pid ${holder.pid}`;
}

let boot: string | undefined;

/** This kernel's boot id, '' where there is none. */
function bootId(): string {
  boot ??= readOrDefault('/proc/sys/kernel/random/boot_id', '', 'boot id').trim();
  return boot;
}

/** Field 22 of /proc/<pid>/stat (start time), undefined if there is no such process or no /proc. */
export function processStart(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[22 - 3]);
  return Number.isSafeInteger(start) ? start : undefined;
}

/** Whether a process with `pid` exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

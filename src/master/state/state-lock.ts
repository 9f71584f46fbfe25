/**
 * An exclusive lock on a state file, so two masters never share one: `<path>.lock`, a JSON line
 * naming its holder (lock-holder.ts), kept fresh by a heartbeat and checked before every write.
 *
 * Taking it: our record is written whole to `<path>.lock.<run>.tmp`, then hard-linked to the lock
 * path, which fails if a lock exists (atomic on local filesystems and NFS, where `O_EXCL` is not
 * reliable, and no reader ever sees a half-written lock). A lock found there is free when its
 * holder ran on this host and boot and its process (pid and start time) is gone, or when it ran
 * elsewhere and its heartbeat is older than `--lock-stale`. A free lock is replaced by renaming
 * our record over it, then read back: of two masters taking it in the same instant, the one whose
 * rename landed last keeps it, and the other sees so before writing anything.
 *
 * The heartbeat's age is judged skew-safe: the lock's mtime against our tmp file's, both stamped
 * by the filesystem's own clock (the NFS server's, for instance) a moment apart, never against
 * our clock. So the heartbeat rewrites the record in place (the same bytes: no reader can see a
 * torn one) rather than `utimes`, which would stamp the writer's clock. It runs every
 * `--lock-stale` / 3 ms in the master, unref'd, and first checks that the file is still ours.
 *
 * A lock that is not free is refused at once, with how long until it goes stale: waiting would
 * hold a port and a process for up to `--lock-stale`, and a container's restart policy (or the
 * user) retries anyway.
 *
 * Fencing: our record's inode is remembered at acquire; a takeover renames another file over the
 * path, so `fence()` (one stat, no read) tells before each write whether the state is still ours.
 * A check that passes just before another master takes over lets at most the write in hand
 * through (nothing awaits between a check and its write). That cannot count a job twice: the
 * ledger is a set of seqs (a seq finished again changes nothing), and the new master folds the
 * log into a fresh snapshot and truncates it at open, so a late line of ours is replayed as a set
 * member or cut; a late snapshot of ours can only set the state back to fewer finished jobs,
 * which run again: at least once, never counted twice. proper-
 * lockfile was looked at and not used: it records no holder (so a restarted container waits the
 * whole stale time, and a refusal cannot name anyone), judges staleness by the lock's mtime
 * against the local clock and refreshes it with `utimes` (clock skew between hosts makes a live
 * lock look stale), makes the lock a directory (no record in it), and is asynchronous where the
 * state files are synchronous.
 */
import { closeSync, fstatSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { StateError } from '../../common/errors.js';
import { LOCK_HEARTBEATS, MASTER_DEFAULTS } from '../master-options.js';
import { describeHolder, encodeHolder, holderGone, ownHolder, readHolder, sameMachine, type LockHolder } from './lock-holder.js';

export { isAlive } from './lock-holder.js';

/** Where the lock of the state file `statePath` lives. */
export function lockPath(statePath: string): string {
  return `${statePath}.lock`;
}

/** A held lock: `fence()` before each write, `release()` to give it up. */
export class StateLock {
  readonly path: string;
  readonly #statePath: string;
  readonly #record: string;
  readonly #ino: number;
  readonly #timer: NodeJS.Timeout;
  readonly #lostListeners: ((error: StateError) => void)[] = [];
  #lost: StateError | undefined;
  #held = true;

  private constructor(statePath: string, holder: LockHolder, ino: number, stale: number) {
    this.path = lockPath(statePath);
    this.#statePath = statePath;
    this.#record = encodeHolder(holder);
    this.#ino = ino;
    this.#timer = setInterval(() => this.#beat(), stale / LOCK_HEARTBEATS).unref();
  }

  /**
   * Takes the lock of `statePath`, or throws StateError `E_STATE` naming its holder. `stale` is
   * `--lock-stale`: how old a heartbeat from another host or boot must be before its lock is free.
   */
  static acquire(statePath: string, stale: number = MASTER_DEFAULTS.lockStale): StateLock {
    const path = lockPath(statePath);
    const holder = ownHolder(stale);
    const tmp = `${path}.${holder.run}.tmp`;
    writeRecord(tmp, encodeHolder(holder), path);
    try {
      // A few tries: each follows a lock that vanished, or one taken over under us.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (tryLink(tmp, path)) return new StateLock(statePath, holder, statSync(path).ino, stale);
        const found = readHolder(path, statePath);
        if (found === 'gone') continue;
        refuseUnlessFree(found, statePath, path, tmp, stale);
        renameSync(tmp, path);
        const now = readHolder(path, statePath);
        if (now !== 'gone' && now.run === holder.run) return new StateLock(statePath, holder, statSync(path).ino, stale);
        writeRecord(tmp, encodeHolder(holder), path);
      }
    } finally {
      rmSync(tmp, { force: true });
    }
    throw new StateError(`could not take lock ${path} of state file ${statePath}: it keeps being replaced by another master`);
  }

  /** Calls `listener` once, should the heartbeat find the lock lost (taken over, removed, or unwritable). */
  onLost(listener: (error: StateError) => void): void {
    this.#lostListeners.push(listener);
  }

  /**
   * Throws StateError `E_STATE_LOCK_LOST`, naming the new owner, unless the lock is still this
   * incarnation's: call it before each write of the state. One stat.
   */
  fence(): void {
    if (this.#lost !== undefined) throw this.#lost;
    let ino: number | undefined;
    try {
      ino = statSync(this.path).ino;
    } catch (error) {
      throw this.#lose(`it could not be read: ${(error as Error).message}`);
    }
    if (ino !== this.#ino) throw this.#lose(this.#owner());
  }

  /** Stops the heartbeat and removes the lock if it is still ours; idempotent. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    clearInterval(this.#timer);
    if (this.#lost !== undefined) return;
    try {
      if (statSync(this.path).ino === this.#ino) rmSync(this.path, { force: true });
    } catch {
      // Gone already: nothing of ours to remove.
    }
  }

  /** Rewrites our record in place, so the filesystem stamps a fresh mtime; a lock no longer ours is lost. */
  #beat(): void {
    if (this.#lost !== undefined || !this.#held) return;
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'r+');
      // The path may name another master's lock by now: write only to the file that is ours.
      if (fstatSync(fd).ino !== this.#ino) throw this.#lose(this.#owner());
      writeSync(fd, this.#record, 0);
    } catch (error) {
      const lost = error instanceof StateError ? error : this.#lose(`its heartbeat could not be written: ${(error as Error).message}`);
      for (const listener of this.#lostListeners.splice(0)) listener(lost);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Who holds the lock now, as a loss names it. */
  #owner(): string {
    try {
      const now = readHolder(this.path, this.#statePath);
      return now === 'gone' ? 'it was removed' : `${describeHolder(now)} took it over`;
    } catch (error) {
      return `it was replaced (${(error as Error).message})`;
    }
  }

  #lose(why: string): StateError {
    clearInterval(this.#timer);
    this.#lost = new StateError(`lost lock ${this.path} of state file ${this.#statePath}: ${why}; stopped without writing the state again`, { code: 'E_STATE_LOCK_LOST' });
    return this.#lost;
  }
}

/**
 * Throws the refusal unless the lock `holder` holds is free: its process gone (same host and
 * boot), or its heartbeat older than `stale` by the filesystem's clock (elsewhere).
 */
function refuseUnlessFree(holder: LockHolder, statePath: string, path: string, tmp: string, stale: number): void {
  const who = `state file ${statePath} is in use by another master (${describeHolder(holder)}, lock ${path})`;
  if (sameMachine(holder)) {
    if (holderGone(holder)) return;
    throw new StateError(`${who}; stop it, or remove the lock if that process is not a master`);
  }
  // Both mtimes from the filesystem's clock: ours was stamped as the tmp file was written.
  const age = Math.max(0, statSync(tmp).mtimeMs - statSync(path).mtimeMs);
  // A holder with a longer --lock-stale beats less often: its own promise is the one to judge by.
  const limit = Math.max(stale, holder.stale);
  if (age >= limit) return;
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  throw new StateError(`${who}; its heartbeat is ${seconds(age)} s old, so it goes stale in ${seconds(limit - age)} s (--lock-stale ${limit}) if that master is gone`);
}

/** Links `tmp` to `path`; false if `path` exists. */
function tryLink(tmp: string, path: string): boolean {
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateError(`could not create lock ${path}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
  }
}

/** Writes a whole record to `path`, durably; a failure names the lock it was for. */
function writeRecord(path: string, record: string, lock: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w', 0o644);
    writeFileSync(fd, record);
    fsyncSync(fd);
  } catch (error) {
    rmSync(path, { force: true });
    throw new StateError(`could not create lock ${lock}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

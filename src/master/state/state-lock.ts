/** An exclusive lock on a state file, so two masters never share one: `<path>.lock` holding a pid. */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { StateError } from '../../common/errors.js';
import { readOrDefault } from '../../common/read-or-default.js';

/** Where the lock of the state file `statePath` lives. */
export function lockPath(statePath: string): string {
  return `${statePath}.lock`;
}

/** A held lock; `release()` gives it up. */
export class StateLock {
  readonly path: string;
  #held = true;

  private constructor(path: string) {
    this.path = path;
  }

  /** Takes the lock of `statePath`; one left by a process that is gone is taken over. */
  static acquire(statePath: string): StateLock {
    const path = lockPath(statePath);
    // Two tries: the second follows removing a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (tryCreate(path)) return new StateLock(path);
      const owner = readOwner(path);
      if (owner === 'gone') continue;
      if (owner === undefined) {
        throw new StateError(`lock ${path} of state file ${statePath} holds no pid; remove it if no master is running`);
      }
      if (isAlive(owner)) {
        throw new StateError(`state file ${statePath} is in use by another master (pid ${owner}, lock ${path}); stop it, or remove the lock if that process is not a master`);
      }
      // The owner died without releasing it. (Two masters taking over one stale lock in the
      // same instant could both succeed; a crashed state is resumed by one master at a time.)
      rmSync(path, { force: true });
    }
    throw new StateError(`could not take lock ${path} of state file ${statePath}: it keeps being recreated`);
  }

  /** Removes the lock if it is still ours; idempotent. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (readOwner(this.path) === process.pid) rmSync(this.path, { force: true });
  }
}

/** Creates the lock with our pid inside; false if it exists. */
function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateError(`could not create lock ${path}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } catch (error) {
    rmSync(path, { force: true });
    throw new StateError(`could not write lock ${path}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The pid in the lock, 'gone' if the file vanished, undefined if it holds no pid. */
function readOwner(path: string): number | 'gone' | undefined {
  const text = readOrDefault(path, undefined, 'lock');
  if (text === undefined) return 'gone';
  const match = /^(\d{1,10})\n?$/.exec(text);
  const pid = Number(match?.[1]);
  return match !== null && pid > 0 ? pid : undefined;
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

/**
 * The processes of the lifecycle search: each bin started in a process group of its own, its
 * output kept, its descendants (tm-run's slaves) watched while it lives, and every one of them
 * killed at once by `killEverything` when the search is interrupted, so nothing outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { descendantPids, ROOT } from '../helpers/processes.js';

/** A started bin. */
export interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly bin: string;
  /** Its stdout and stderr so far, as one text. */
  output(): string;
  /** Its exit, once its output is drained too (or a second after the exit, when a descendant holds the pipe). */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Every descendant seen while it ran. */
  readonly family: Set<number>;
}

/** Every pid started or seen as a descendant and not yet seen gone: what `killEverything` ends. */
const known = new Set<number>();

/** Starts `dist/bin/<bin>.js` in `cwd` with `env` added, as the leader of a new process group. */
export function start(bin: string, args: readonly string[], cwd: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'bin', `${bin}.js`), ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid!;
  known.add(pid);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const family = new Set<number>();
  const look = (): void => {
    for (const p of descendantPids(pid)) {
      family.add(p);
      known.add(p);
    }
  };
  const sampler = setInterval(look, 50);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      clearInterval(sampler);
      let drained = 0;
      const done = (): void => resolve({ code, signal });
      const timer = setTimeout(done, 1000);
      const closed = (): void => {
        if (++drained === 2) {
          clearTimeout(timer);
          done();
        }
      };
      if (child.stdout!.readableEnded) closed();
      else child.stdout!.once('end', closed);
      if (child.stderr!.readableEnded) closed();
      else child.stderr!.once('end', closed);
    });
  });
  // A descendant started and gone between two looks cannot be left behind; the first look comes at once.
  look();
  return { child, pid, bin, output: () => text, exited, family };
}

/** Whether `pid` is gone (or a zombie: it has exited, its parent has yet to reap it). */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const gone = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    if (gone) known.delete(pid);
    return gone;
  } catch {
    known.delete(pid);
    return true;
  }
}

/** Waits up to `ms` for `pid` to be gone; whether it went. */
export async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!isGone(pid)) {
    if (Date.now() > deadline) return false;
    await delay(20);
  }
  return true;
}

/**
 * Sends `signal` to `pid` (to its group with `group`) and waits for it to be gone, at most `ms`
 * (the 10 s every process has to stop); past that it is killed with SIGKILL. Whether it stopped in time.
 */
export async function stopWithin(pid: number, signal: NodeJS.Signals, ms: number, group = false): Promise<boolean> {
  if (isGone(pid)) return true;
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    return true;
  }
  if (await goneWithin(pid, ms)) return true;
  kill(pid);
  await goneWithin(pid, 2000);
  return false;
}

/** SIGKILL to `pid`, if it still runs. */
export function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Kills, at once, every process the search started and every descendant it saw: for an interrupted search. */
export function killEverything(): void {
  for (const pid of known) {
    for (const p of descendantPids(pid)) kill(p);
    kill(pid);
  }
  known.clear();
}

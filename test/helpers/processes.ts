import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** A started bin with its output collected, so tests can wait for a line. */
export interface Proc {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the first match of `pattern` in stdout+stderr, now or later. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /**
   * Resolves with the exit code (or the signal name) once the process has ended and its stdout
   * and stderr are drained ('close', not 'exit': at 'exit' the pipes may still hold its last
   * lines). A descendant that inherited the pipes holds this back until it, too, has closed them.
   */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcess>();

/**
 * Runs `dist/bin/<bin>.js` with `args` in `cwd`. With `detached` it leads a process group of its
 * own, so `process.kill(-pid, signal)` reaches it as a Ctrl-C at a terminal would. With `netns` it
 * runs in that network namespace (`ip netns exec`, which execs node: the pid is node's). `wrap`
 * is a command that runs node (the rest of the line its argv), as a container would (containers.ts).
 */
export function runBin(bin: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean; netns?: string; wrap?: readonly string[] } = {}): Proc {
  const command = [...(options.wrap ?? []), process.execPath, join(ROOT, 'dist', 'bin', `${bin}.js`), ...args];
  const [file, ...argv] = options.netns === undefined ? command : ['ip', 'netns', 'exec', options.netns, ...command];
  const child = spawn(file!, argv, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  started.add(child);
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const proc: Proc = {
    child,
    stdout: '',
    stderr: '',
    waitFor(pattern) {
      const m = (proc.stdout + proc.stderr).match(pattern);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void proc.exited.then(() => {
          const late = (proc.stdout + proc.stderr).match(pattern);
          if (late) resolve(late);
          else reject(new Error(`${bin} exited before printing ${pattern}:\n${proc.stdout}\n${proc.stderr}`));
        });
      });
    },
    exited: once(child, 'close').then(([code, signal]) => {
      started.delete(child);
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    }),
  };
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const m = (proc.stdout + proc.stderr).match(waiters[i]!.pattern);
      if (m) {
        waiters[i]!.resolve(m);
        waiters.splice(i, 1);
      }
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    proc.stdout += d.toString();
    check();
  });
  child.stderr!.on('data', (d: Buffer) => {
    proc.stderr += d.toString();
    check();
  });
  return proc;
}

/** Counts a child started without runBin (a shell, npm) among those killAll ends, until it closes. */
export function track(child: ChildProcess): void {
  started.add(child);
  void once(child, 'close').then(() => started.delete(child));
}

/**
 * Kills every process a test started and has not seen end, and their descendants (the slaves
 * of a tm-run or tm-spawn), with SIGKILL. Call it in afterEach.
 */
export async function killAll(): Promise<void> {
  const alive = [...started];
  const descendants = alive.flatMap((child) => (child.pid === undefined ? [] : descendantPids(child.pid)));
  for (const child of alive) child.kill('SIGKILL');
  for (const pid of descendants) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await Promise.all(alive.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
  started.clear();
}

/** Pids of the live children of `pid`, from /proc (Linux). */
export function childPids(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((task) => {
    try {
      return readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/** Pids of every live descendant of `pid`. */
export function descendantPids(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendantPids(child)]);
}

/** A fresh temp dir, removed by the returned function. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'tm-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}


/** A process the bench starts: its output lines with arrival times, its peak RSS, its end. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { shebang } from '../../src/spawn/shebang.js';

export interface Line {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  /** `performance.now()` of this (bench) process when the line arrived. */
  readonly at: number;
}

export interface Seen {
  readonly line: Line;
  readonly match: RegExpExecArray;
}

export interface StartOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  /** A network namespace to run in (`ip netns exec`, which execs node: the pid, and so the RSS, are node's). */
  readonly netns?: string;
}

interface Watcher {
  readonly stream: Line['stream'];
  readonly pattern: RegExp;
  readonly resolve: (seen: Seen) => void;
  readonly reject: (error: Error) => void;
}

/** How often every live child's VmHWM is read; it is a peak itself, so polling only has to catch it alive. */
const RSS_POLL_MS = 200;
const KEEP_LINES = 200;
const live = new Set<Child>();
let poller: ReturnType<typeof setInterval> | undefined;

/** A `node script …` child process, started with the bench's own node. */
export class Child {
  readonly name: string;
  readonly pid: number;
  /** Resolves once the process has exited and its output is read: the exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  readonly #child: ChildProcess;
  readonly #lines: Line[] = [];
  readonly #watchers = new Set<Watcher>();
  #peakKb = 0;
  #alive = true;
  #closed = false;

  constructor(name: string, script: string, args: readonly string[], options: StartOptions) {
    this.name = name;
    // With the environment and flags of the script's own `#!` line: as a user's `tm-slave` runs.
    const line = shebang(script);
    const command = [process.execPath, ...line.flags, script, ...args];
    const [file, ...argv] = options.netns === undefined ? command : ['ip', 'netns', 'exec', options.netns, ...command];
    this.#child = spawn(file!, argv, {
      cwd: options.cwd,
      env: { ...line.env, ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.#child.pid === undefined) throw new Error(`cannot start ${name}: node ${script}`);
    this.pid = this.#child.pid;
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.#child[stream]! }).on('line', (text) => this.#onLine({ stream, text, at: performance.now() }));
    }
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', () => {
        this.#alive = false;
        live.delete(this);
      });
      this.#child.once('close', (code, signal) => {
        this.#closed = true;
        for (const watcher of this.#watchers) watcher.reject(new Error(`${this.name} ended (${code ?? signal}) before printing ${watcher.pattern}\n${this.tail()}`));
        this.#watchers.clear();
        resolve(code ?? signal ?? 'unknown');
      });
    });
    live.add(this);
    this.sampleRss();
    poller ??= setInterval(() => live.forEach((child) => child.sampleRss()), RSS_POLL_MS).unref();
  }

  /** The first line (already seen or to come) on `stream` that matches; rejects if the process ends first. */
  waitFor(stream: Line['stream'], pattern: RegExp): Promise<Seen> {
    for (const line of this.#lines) {
      const match = line.stream === stream ? pattern.exec(line.text) : null;
      if (match !== null) return Promise.resolve({ line, match });
    }
    if (this.#closed) {
      return Promise.reject(new Error(`${this.name} ended before printing ${pattern}\n${this.tail()}`));
    }
    return new Promise((resolve, reject) => this.#watchers.add({ stream, pattern, resolve, reject }));
  }

  /** Reads the process's VmHWM (peak resident set, threads included) while it is alive. */
  sampleRss(): void {
    if (!this.#alive) return;
    try {
      const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
      if (kb !== undefined) this.#peakKb = Math.max(this.#peakKb, Number(kb));
    } catch {
      // Gone between the check and the read: its last sample stands.
    }
  }

  /** The highest VmHWM seen, in MiB (the bench's "MB", as `ps` and `top` count). */
  get peakRssMb(): number {
    return this.#peakKb / 1024;
  }

  /** Asks the process to stop (SIGTERM) if it is still running. */
  stop(): void {
    if (this.#alive) this.#child.kill('SIGTERM');
  }

  /** Kills the process if it is still running (SIGKILL: a bench run that needs this has failed). */
  kill(): void {
    if (this.#alive) this.#child.kill('SIGKILL');
  }

  /** The last lines it printed, for error messages. */
  tail(count = 20): string {
    return this.#lines
      .slice(-count)
      .map((line) => `  ${this.name} ${line.stream}: ${line.text}`)
      .join('\n');
  }

  #onLine(line: Line): void {
    this.#lines.push(line);
    if (this.#lines.length > KEEP_LINES) this.#lines.splice(0, this.#lines.length - KEEP_LINES);
    for (const watcher of this.#watchers) {
      const match = watcher.stream === line.stream ? watcher.pattern.exec(line.text) : null;
      if (match === null) continue;
      this.#watchers.delete(watcher);
      watcher.resolve({ line, match });
    }
  }
}

/** Kills every child still running: the bench's last word on every exit path. */
export function killAll(): void {
  for (const child of live) child.kill();
}

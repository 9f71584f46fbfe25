/**
 * A host's ControlMaster: one ssh connection per host, owned by a child `ssh` of ours that runs
 * the probe (how the host sees us, whether it has node) and then holds the connection open
 * until we close its stdin. The host's sessions run over it; when it goes, they go with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { hostFailure } from './host-failure.js';
import { parseProbeLine, PROBE_COMMAND } from './remote-command.js';
import { exitArgv, masterArgv, type SshSettings } from './ssh-command.js';

/** The connection is up, and the host has node. */
export interface LinkUp {
  readonly ok: true;
  /** Our address as the host sees it (`$SSH_CONNECTION`): where its slaves can reach the master. */
  readonly clientAddress: string | undefined;
}

export type LinkResult = LinkUp | { readonly ok: false; readonly reason: string };

export class HostLink {
  /** Resolves once the probe said the host is ready, or with why it is not. */
  readonly up: Promise<LinkResult>;
  /** Resolves once the ssh master has exited. */
  readonly exited: Promise<void>;
  readonly #settings: SshSettings;
  readonly #destination: string;
  readonly #child: ChildProcess;

  constructor(settings: SshSettings, destination: string) {
    this.#settings = settings;
    this.#destination = destination;
    const [file, args] = masterArgv(settings, destination, PROBE_COMMAND);
    this.#child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stdin!.on('error', () => {});
    this.exited = exitOf(this.#child);
    this.up = this.#probe();
  }

  async #probe(): Promise<LinkResult> {
    const child = this.#child;
    let clientAddress: string | undefined;
    let lastLine: string | undefined;
    createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', (line) => (lastLine = line));
    const ready = new Promise<LinkResult>((resolve) => {
      createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
        const probe = parseProbeLine(line);
        if (probe?.kind === 'connection') clientAddress = probe.clientAddress;
        if (probe?.kind === 'no-node') lastLine = 'node: command not found';
        if (probe?.kind === 'ready') resolve({ ok: true, clientAddress });
      });
      child.once('error', (error) => resolve({ ok: false, reason: `cannot run ${this.#settings.ssh[0]}: ${error.message}` }));
      child.once('close', (code, signal) => resolve({ ok: false, reason: hostFailure(code, signal, lastLine, 'node') ?? `its ssh ended (exit ${code ?? signal}) before the probe said it was ready` }));
    });
    return ready;
  }

  /**
   * Closes the connection, and every session on it: `ssh -O exit`, then the probe's stdin; a
   * master still there after `graceMs` is killed. Resolves once it has exited.
   */
  async close(graceMs: number): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const [file, args] = exitArgv(this.#settings, this.#destination);
      const exit = spawn(file, args, { stdio: 'ignore' });
      exit.on('error', () => {});
      const timer = setTimeout(() => exit.kill('SIGKILL'), graceMs);
      await once(exit, 'close').catch(() => undefined);
      clearTimeout(timer);
    }
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the ssh master now: the connection drops, and the host's sshd ends its sessions. */
  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

/** Resolves once `child` has exited, or failed to start at all (then no 'exit' comes). */
export function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

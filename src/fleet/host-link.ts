/**
 * A host's ControlMaster: one ssh connection per host, opened by the probe (how the host sees us,
 * whether it has node), which leaves no process on the host; the host's sessions run over it, and
 * `close()` ends it (`ssh -O exit`), and every session still on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { hostFailure, tellingLine } from './host-failure.js';
import { parseProbeLine, probeCommand } from './remote-command.js';
import { exitArgv, probeArgv, type SshSettings } from './ssh-command.js';

/** The connection is up, and the host has node. */
export interface LinkUp {
  readonly ok: true;
  /** Our address as the host sees it (`$SSH_CONNECTION`): where its slaves can reach the master. */
  readonly clientAddress: string | undefined;
}

export type LinkResult = LinkUp | { readonly ok: false; readonly reason: string };

export class HostLink {
  /** Resolves once the probe has ended: the host is ready, or why it is not. */
  readonly up: Promise<LinkResult>;
  readonly #settings: SshSettings;
  readonly #destination: string;
  readonly #remoteCommand: string;
  readonly #probe: ChildProcess;

  /** `remoteCommand` is checked by the probe: it must answer `--version`. */
  constructor(settings: SshSettings, destination: string, remoteCommand: string) {
    this.#settings = settings;
    this.#destination = destination;
    this.#remoteCommand = remoteCommand;
    const [file, args] = probeArgv(settings, destination, probeCommand(remoteCommand));
    this.#probe = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.up = this.#read();
  }

  async #read(): Promise<LinkResult> {
    const child = this.#probe;
    let clientAddress: string | undefined;
    let ready = false;
    // What it lacks: node, or the remote command (then its own words say why).
    let lacks: 'node' | 'command' | undefined;
    const said: string[] = [];
    createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', (line) => void (line.trim() !== '' && said.push(line) > 20 && said.shift()));
    createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
      const probe = parseProbeLine(line);
      if (probe?.kind === 'connection') clientAddress = probe.clientAddress;
      if (probe?.kind === 'no-node') lacks = 'node';
      if (probe?.kind === 'no-command') lacks = 'command';
      if (probe?.kind === 'ready') ready = true;
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.once('error', (error) => {
        said.push(`cannot run ${this.#settings.ssh[0]}: ${error.message}`);
        resolve([null, null]);
      });
      child.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s]));
    });
    if (code === 0 && ready) return { ok: true, clientAddress };
    if (lacks === 'node') return { ok: false, reason: hostFailure(code, signal, 'node: command not found', 'node')! };
    const reason = hostFailure(code, signal, tellingLine(said), lacks === 'command' ? this.#remoteCommand : 'node');
    return { ok: false, reason: reason ?? `the probe ended (${signal ?? `exit ${code}`}) before it said the host was ready` };
  }

  /** Kills the probe if it still runs (a stop before the host was reached: ssh may take minutes to give up on it). */
  cancel(): void {
    if (this.#probe.exitCode === null && this.#probe.signalCode === null) this.#probe.kill('SIGKILL');
  }

  /** Ends the host's ControlMaster (`ssh -O exit`), and with it every session on it; a probe still running is killed. */
  async close(graceMs: number): Promise<void> {
    this.cancel();
    const [file, args] = exitArgv(this.#settings, this.#destination);
    const exit = spawn(file, args, { stdio: 'ignore' });
    exit.on('error', () => {});
    const timer = setTimeout(() => exit.kill('SIGKILL'), graceMs);
    await once(exit, 'close').catch(() => undefined);
    clearTimeout(timer);
  }
}

/** Resolves once `child` has exited, or failed to start at all (then no 'exit' comes). */
export function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

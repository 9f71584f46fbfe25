/**
 * A host's slave side: the remote command (tm-spawn) run over the host's ControlMaster by a child
 * `ssh`, its keys written to its stdin, its stdout and stderr lines passed into our display
 * after `[host] `. Tied to the session: the remote tm-spawn stops when its stdin ends, which is
 * how we stop it (close stdin) and what the host sees when our ssh or its link is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { forwardLogLines } from '../common/log.js';
import { handKeys, type StdinKeys } from '../curve/stdin-keys.js';
import { hostFailure } from './host-failure.js';
import { exitOf } from './host-link.js';
import { sessionArgv, type SshSettings } from './ssh-command.js';

/** How a session ended: undefined `failure` for a clean end (exit 0, or a stop we asked for). */
export interface SessionEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What failed, for one line after `host: `. */
  readonly failure: string | undefined;
}

export class HostSession {
  /** Resolves once the ssh client has exited and its output is passed on. */
  readonly done: Promise<SessionEnd>;
  readonly #child: ChildProcess;
  #stopped = false;

  /** Runs `command` (the remote line) on `destination`, and hands it `keys` over stdin. */
  constructor(settings: SshSettings, destination: string, host: string, command: string, keys: StdinKeys, remoteCommand: string) {
    const [file, args] = sessionArgv(settings, destination, command);
    this.#child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    handKeys(this.#child.stdin!, keys);
    // The last line often says why it exited (what it lacks the probe has said already).
    let lastLine: string | undefined;
    const note = (line: string): void => void (line.trim() !== '' && (lastLine = line));
    const output = Promise.all([forwardLogLines(this.#child.stdout!, `[${host}] `, note), forwardLogLines(this.#child.stderr!, `[${host}] `, note)]);
    const child = this.#child;
    this.done = exitOf(child)
      .then(() => output)
      .then(() => {
        const { exitCode: code, signalCode: signal } = child;
        // Ended by us (a stop, a kill): not a failure of the host's.
        const failure = this.#stopped && (code === null || code === 255 || code === 130 || code === 143) ? undefined : hostFailure(code, signal, lastLine, remoteCommand);
        return { code, signal, failure };
      });
  }

  /** Closes the session's stdin: the remote tm-spawn stops its slaves gracefully, then at once after its own short grace. */
  end(): void {
    this.#stopped = true;
    this.#child.stdin!.end();
  }

  /** Kills our ssh client: the host's sshd closes the session, and the remote side sees its stdin end. */
  kill(): void {
    this.#stopped = true;
    this.#child.kill('SIGKILL');
  }
}

/**
 * Slaves on other hosts, started over ssh: for each host a ControlMaster (HostLink) and, once it
 * is up, tm-spawn over it (HostSession), handed the host's throwaway keys over stdin. The same
 * shape as the local Supervisor (`done`, `stop`, `release`), so the run's one owner of its end
 * (run/local-run.ts) holds local and remote slave groups alike. A host that fails is one line,
 * and the others go on; every ssh we start is ended on every path, and its control socket removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../common/exit-codes.js';
import type { Logger } from '../common/log.js';
import type { StdinKeys } from '../curve/stdin-keys.js';
import type { FleetHost } from './host-list.js';
import { HostLink } from './host-link.js';
import { HostSession } from './host-session.js';
import { remoteLine, tcpEndpoint } from './remote-command.js';
import type { SshSettings } from './ssh-command.js';

/** How long stopped sessions get to end (their remote side stops gracefully, then at once after 5 s) before our ssh is killed. */
const SESSION_END_MS = 10_000;
/** How long `ssh -O exit` may take. */
const LINK_CLOSE_MS = 3000;

export interface FleetOptions {
  readonly hosts: readonly FleetHost[];
  /** The ssh client and its options, as words. @default ['ssh'] */
  readonly ssh: readonly string[];
  /** The slave side on a host, tm-spawn's arguments appended. */
  readonly remoteCommand: string;
  /** The master's bound endpoint: `tcp://0.0.0.0:PORT` (each host is told how it can reach us), or `tcp://IP:PORT`. */
  readonly endpoint: string;
  /** The address the hosts connect to, for a wildcard bind, instead of what their ssh connection says. @default none */
  readonly connectAddress?: string | undefined;
  /** The slaves' `module[:fn]` as the remote side should load it; undefined for module-less slaves. */
  readonly target: string | undefined;
  /** More tm-spawn flags for every host (threads, concurrency, credit, log level, give-up time). */
  readonly spawnFlags: readonly string[];
  /** Each host's keys, in the order of `hosts`. */
  readonly keys: readonly StdinKeys[];
}

/** One host's state: its link, then its session. */
interface Member {
  readonly host: FleetHost;
  readonly link: HostLink;
  session: HostSession | undefined;
  failed: boolean;
}

/** The wildcard addresses a master binds to reach every interface. */
const WILDCARD = /^(?:\*|0\.0\.0\.0|\[?::\]?)$/;

export class Fleet {
  /** 0 once every host's processes have ended; 1 when every host failed (no slave of the fleet is left). */
  readonly done: Promise<number>;
  readonly #options: FleetOptions;
  readonly #logger: Logger;
  readonly #settings: SshSettings;
  readonly #members: Member[];
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: FleetOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    // The ControlMaster sockets: private to us, and removed with the run.
    this.#settings = { ssh: options.ssh, controlDir: mkdtempSync(join(tmpdir(), 'tm-ssh-')) };
    this.#members = options.hosts.map((host) => ({ host, link: new HostLink(this.#settings, host.destination, options.remoteCommand), session: undefined, failed: false }));
    this.done = this.#run();
  }

  /**
   * Stops every host's slaves: gracefully first (their session's stdin closes: running jobs
   * finish, unstarted ones go back), our ssh killed after a bounded wait; `SIGKILL`, or a
   * second call, kills our ssh at once (the hosts see their sessions end).
   */
  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    const again = this.#stopping;
    this.#stopping = true;
    for (const member of this.#members) {
      // A host not reached yet has nothing to finish.
      if (member.session === undefined) member.link.cancel();
      else if (signal === 'SIGKILL' || again) member.session.kill();
      else member.session.end();
    }
    this.#timer ??= setTimeout(() => this.stop('SIGKILL'), SESSION_END_MS);
  }

  /** The run is over: every session's stdin closes, so each host's slaves leave (a stop, as none is left to serve). */
  release(): void {
    this.stop('SIGTERM');
  }

  async #run(): Promise<number> {
    try {
      await Promise.all(this.#members.map((member, index) => this.#runHost(member, index)));
      return !this.#stopping && this.#members.every((member) => member.failed) ? EXIT.failed : EXIT.ok;
    } finally {
      clearTimeout(this.#timer);
      rmSync(this.#settings.controlDir, { recursive: true, force: true });
    }
  }

  async #runHost(member: Member, index: number): Promise<void> {
    const { host, link } = member;
    try {
      const up = await link.up;
      if (!up.ok) return this.#fail(member, up.reason);
      if (this.#stopping) return;
      const address = this.#addressFor(up.clientAddress);
      if (address === undefined) return this.#fail(member, 'cannot tell which address of ours it can reach: give --connect-address, or --address tcp://IP:PORT');
      const { target, spawnFlags, remoteCommand, keys } = this.#options;
      const args = [...(target === undefined ? [] : [target]), String(host.count), '--address', address, '--keys-stdin', ...spawnFlags];
      const session = new HostSession(this.#settings, host.destination, host.host, remoteLine(remoteCommand, args), keys[index]!, remoteCommand);
      member.session = session;
      this.#logger.info(`${host.host}: started ${host.count} slaves (${remoteCommand}), connecting to ${address}`);
      const end = await session.done;
      if (end.failure !== undefined) this.#fail(member, end.failure);
    } finally {
      await link.close(LINK_CLOSE_MS);
    }
  }

  #fail(member: Member, reason: string): void {
    member.failed = true;
    if (this.#stopping) return;
    // One line; the other hosts go on.
    this.#logger.error(`${member.host.host}: ${reason}`);
  }

  /** Where a host connects: the bound address, or for a wildcard bind --connect-address or how the host sees us. */
  #addressFor(clientAddress: string | undefined): string | undefined {
    const match = /^tcp:\/\/(.+):(\d+)$/.exec(this.#options.endpoint);
    if (match === null) return this.#options.endpoint;
    const [, bound, port] = match as unknown as [string, string, string];
    if (!WILDCARD.test(bound)) return this.#options.endpoint;
    const address = this.#options.connectAddress ?? clientAddress;
    return address === undefined ? undefined : tcpEndpoint(address.replace(/^\[(.*)\]$/, '$1'), port);
  }
}

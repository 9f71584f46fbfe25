/**
 * `--hosts` (tm-run) and `hosts` (run()) turned into a fleet's options, with their defaults
 * declared once here: the flags, `--help` and run() read them.
 */
import { checkInteger } from '../common/check-integer.js';
import { UsageError } from '../common/errors.js';
import type { FleetOptions } from '../fleet/fleet.js';
import { parseHosts } from '../fleet/host-list.js';
import { DEFAULT_REMOTE_COMMAND } from '../fleet/remote-command.js';
import { splitWords } from '../fleet/shell-words.js';

/** What a run is told about its slaves on other hosts. */
export interface HostsOptions {
  /** `[user@]host[:count],…`: each host runs tm-spawn with `count` slaves, or the run's slave count. */
  readonly hosts: string;
  /** Run the slaves on this host too. @default false */
  readonly local?: boolean | undefined;
  /** The ssh client and its options, one shell-style line: `ssh -F cluster.conf`. @default 'ssh' */
  readonly ssh?: string | undefined;
  /** What starts the slave side on a host, in the login's home directory; tm-spawn's arguments are appended. @default 'npx --no-install tm-spawn' */
  readonly remoteCommand?: string | undefined;
  /** For a wildcard bind, the address the hosts connect to, instead of the one their ssh connection says. @default none */
  readonly connectAddress?: string | undefined;
  /**
   * Milliseconds a host's slaves wait for a master that does not answer before they exit and
   * their tm-spawn with them: a host cut off from us ends its processes even if its sshd never
   * notices the dead link. @default 60000
   */
  readonly hostGiveUpAfter?: number | undefined;
}

/**
 * The defaults of `--hosts`. 60 s of give-up: twice the default lease (a host that long without
 * us has had its jobs given to others already), yet short enough that nothing lingers on a host.
 */
export const HOSTS_DEFAULTS = {
  local: false,
  ssh: 'ssh',
  remoteCommand: DEFAULT_REMOTE_COMMAND,
  hostGiveUpAfter: 60_000,
  /** With --hosts the master binds every interface: the hosts must reach it. */
  address: 'tcp://0.0.0.0:*',
} as const;

/** The slaves each host runs, as the run's own slaves are given. */
export interface HostSlaves {
  /** `module[:fn]` as the remote side should load it (a path from the login's home). */
  readonly target: string | undefined;
  readonly count: number;
  readonly threads?: number | undefined;
  readonly concurrency: number;
  readonly maxCredit?: number | undefined;
  readonly logLevel: string;
  readonly name?: string | undefined;
}

/** The fleet's options (less what the run adds: its endpoint and keys), checked; a bad entry is a usage error naming it. */
export function fleetOptions(options: HostsOptions, slaves: HostSlaves): Omit<FleetOptions, 'endpoint' | 'keys'> {
  const giveUp = checkInteger('host-give-up-after', options.hostGiveUpAfter ?? HOSTS_DEFAULTS.hostGiveUpAfter, 0);
  const remoteCommand = options.remoteCommand ?? HOSTS_DEFAULTS.remoteCommand;
  if (remoteCommand.trim() === '') throw new UsageError('Expected `--remote-command` to be a command line, got ``');
  const connectAddress = options.connectAddress?.replace(/^\[(.*)\]$/, '$1');
  if (connectAddress !== undefined && !/^[A-Za-z0-9_.:-]+$/.test(connectAddress)) throw new UsageError(`Expected \`--connect-address\` to be a host name or IP address, got \`${options.connectAddress}\``);
  const spawnFlags = ['--give-up-after', String(giveUp), '--concurrency', String(slaves.concurrency), '--log-level', slaves.logLevel];
  if (slaves.threads !== undefined) spawnFlags.push('--threads', String(slaves.threads));
  if (slaves.maxCredit !== undefined) spawnFlags.push('--max-credit', String(slaves.maxCredit));
  if (slaves.name !== undefined) spawnFlags.push('--name', slaves.name);
  return {
    hosts: parseHosts(options.hosts, slaves.count),
    ssh: splitWords(options.ssh ?? HOSTS_DEFAULTS.ssh, 'ssh'),
    remoteCommand,
    connectAddress,
    target: slaves.target,
    spawnFlags,
  };
}

/** `--hosts user@h1,h2:4,[::1]:2`: the hosts of a fleet, each with its login and slave count. */
import { UsageError } from '../common/errors.js';

/** One host of a fleet. */
export interface FleetHost {
  /** What ssh is told to reach: `user@host` or `host` (an IPv6 address without brackets). */
  readonly destination: string;
  /** The host's name or address alone: the `[host]` prefix of its lines. */
  readonly host: string;
  /** Slaves (tm-spawn N) on this host. */
  readonly count: number;
}

/** `[user@]host[:count]`, the host a name or an IPv4 address, or `[IPv6]`; nothing starts with `-`, which ssh would take for an option. */
const ENTRY = /^(?:([^-@\s:[\]][^@\s:[\]]*)@)?(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_][A-Za-z0-9_.-]*))(?::(\d+))?$/;

/**
 * Parses a `--hosts` list; a host without `:count` runs `defaultCount` slaves. A bad entry, an
 * empty one, or a host named twice is a usage error naming it.
 *
 * @example
 * parseHosts('root@10.0.0.2,10.0.0.3:4', 2) // [{ destination: 'root@10.0.0.2', host: '10.0.0.2', count: 2 }, { …, count: 4 }]
 */
export function parseHosts(list: string, defaultCount: number): FleetHost[] {
  const hosts: FleetHost[] = [];
  for (const entry of list.split(',')) {
    const match = ENTRY.exec(entry.trim());
    if (match === null) throw new UsageError(`Expected each \`--hosts\` entry to be [user@]host[:count], got \`${entry}\` (in \`${list}\`)`);
    const [, user, ipv6, name, count] = match;
    const host = (ipv6 ?? name)!;
    const slaves = count === undefined ? defaultCount : Number(count);
    if (!Number.isSafeInteger(slaves) || slaves < 1) throw new UsageError(`Expected the slave count of \`--hosts\` entry \`${entry}\` to be an integer >= 1, got \`${count}\``);
    const destination = user === undefined ? host : `${user}@${host}`;
    if (hosts.some((other) => other.destination === destination)) throw new UsageError(`\`--hosts\` names \`${destination}\` twice: give it one entry, with :count for more slaves`);
    hosts.push({ destination, host, count: slaves });
  }
  return hosts;
}

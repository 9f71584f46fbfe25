/**
 * Many slaves without their processes: DEALER sockets (HostilePeer) that say HELLO as slaves do
 * and ping every half second, so a master lists them and never finds them silent. They ask for no
 * job (no CREDIT), so the run stands still while a test looks at how the master shows them.
 */
import { HostilePeer } from './hostile-peer.js';

export interface FakeSlave {
  readonly host: string;
  readonly pid: number;
  /** The code it says it runs (sha256 hex). */
  readonly bundle: string;
}

export class FakeFleet {
  readonly #peers: HostilePeer[];
  readonly #pings: NodeJS.Timeout;

  private constructor(peers: HostilePeer[]) {
    this.#peers = peers;
    this.#pings = setInterval(() => {
      for (const peer of peers) if (peer.run !== undefined) void peer.say({ command: 'PING', run: peer.run }).catch(() => {});
    }, 500);
  }

  /** Connects `slaves` to the master at `address`; resolves once each has its WELCOME. Their ids are `host:pid`. */
  static async join(address: string, slaves: readonly FakeSlave[]): Promise<FakeFleet> {
    const peers = slaves.map((_, i) => new HostilePeer(address, `fake-${i}`));
    const fleet = new FakeFleet(peers);
    try {
      await Promise.all(peers.map((peer, i) => {
        const { name: _name, ...hello } = peer.hello();
        const { host, pid, bundle } = slaves[i]!;
        return peer.ask({ ...hello, host, pid, threads: 2, concurrency: 4, bundle }, 'WELCOME');
      }));
    } catch (error) {
      await fleet.close();
      throw error;
    }
    return fleet;
  }

  /** Slave `index` says BYE, as a slave that stops does, holding no job: the master lets it go. */
  async leave(index: number): Promise<void> {
    const peer = this.#peers[index]!;
    await peer.ask({ command: 'BYE', run: peer.run!, returned: [] }, 'QUIT');
  }

  async close(): Promise<void> {
    clearInterval(this.#pings);
    await Promise.all(this.#peers.map((peer) => peer.close()));
  }
}

/** `hosts` × `perHost` slaves on rack-1, rack-2, …, pids from 100 (`rack-1:100` …), all on `code` but those `other` picks. */
export function racks(hosts: number, perHost: number, code: string, other?: { readonly index: number; readonly code: string }): FakeSlave[] {
  return Array.from({ length: hosts * perHost }, (_, i) => ({ host: `rack-${Math.floor(i / perHost) + 1}`, pid: 100 + i, bundle: i === other?.index ? other.code : code }));
}

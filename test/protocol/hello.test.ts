import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CONCURRENCY, PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { HostilePeer } from '../helpers/hostile-peer.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

const peers: HostilePeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

describe("a slave's HELLO to a real master", () => {
  it('is refused by version, with the reason, from a slave of protocol 2 (which sends no concurrency)', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [join(FIXTURES, 'record.ts'), 'n=10', '--address', address, '--state', join(dir.path, 'run.state.json'), '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const old = new HostilePeer(address, 'protocol-2-slave');
    peers.push(old);
    const { concurrency: _none, ...hello } = old.hello();
    expect(PROTOCOL_VERSION).toBe(6);
    expect(await old.ask({ ...hello, version: 2 }, 'REJECT')).toEqual({ command: 'REJECT', reason: 'protocol version 2 is not 6', rehello: false });
  });

  it('is dropped, the master saying why, when this version lacks concurrency or claims a bad one', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = runBin('tm-master', [join(FIXTURES, 'record.ts'), 'n=10', '--address', address, '--state', join(dir.path, 'run.state.json'), '--no-progress'], { cwd: dir.path });
    await master.waitFor(/listening on/);
    const peer = new HostilePeer(address, 'sloppy-slave');
    peers.push(peer);
    const { concurrency: _none, ...lacking } = peer.hello();
    await peer.say(lacking);
    await master.waitFor(new RegExp(`dropped a message from peer \\S+: concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`));
    await peer.say({ ...peer.hello(), concurrency: 0 });
    // The master reads a peer's messages in order: an answer to either would come before this WELCOME.
    await peer.ask(peer.hello(), 'WELCOME');
    expect([peer.count('WELCOME'), peer.count('REJECT')]).toEqual([1, 0]);
  });
});

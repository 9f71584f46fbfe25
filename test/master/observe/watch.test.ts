/**
 * What the master's RunWatch (the --http dashboard's source) is told of requeues, over a real
 * master and a DEALER driven by hand: each requeue once, with its jobs, its slave and why.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Master } from '../../../src/master/master.js';
import { runsLength } from '../../../src/protocol/seq-runs.js';
import { HostilePeer } from '../../helpers/hostile-peer.js';
import { FIXTURES } from '../../helpers/processes.js';
import { useTestDir } from '../../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const dir = useTestDir();
const open: Array<{ close(): Promise<void> | void }> = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

/** A master of 50 jobs and a peer it has sent a batch of `credit` jobs; both ended after the test. */
async function peerWithJobs(lease: number, credit: number): Promise<{ master: Master; peer: HostilePeer; sent: number }> {
  const master = await Master.start({ module: RECORD, args: { n: '50' }, address: 'tcp://127.0.0.1:*', state: join(dir.path, 's.json'), lease, logLevel: 'error' });
  open.push({ close: async () => void (master.destroy(), await master.done) });
  const peer = new HostilePeer(master.endpoint, 'slave-a');
  open.push(peer);
  await peer.ask(peer.hello(credit), 'WELCOME');
  await peer.say({ command: 'CREDIT', run: peer.run!, credit });
  // The batch policy may send the credit in several JOBS: the peer holds all of it.
  const held = (): number => peer.jobs.reduce((sum, jobs) => sum + runsLength(jobs.seqs), 0);
  await vi.waitFor(() => expect(held()).toBe(credit), { timeout: 10_000, interval: 20 });
  return { master, peer, sent: held() };
}

describe("the master's watch", () => {
  it('is told a BYE’s handed-back jobs once: the count, one entry, the slave and why', async () => {
    const { master, peer, sent } = await peerWithJobs(30_000, 5);
    const returned = peer.jobs.flatMap((jobs) => jobs.seqs);
    await peer.ask({ command: 'BYE', run: peer.run!, returned }, 'QUIT');
    expect(sent).toBe(5);
    expect(master.watch.counts.requeued).toBe(sent);
    expect(master.watch.requeues).toEqual([{ slave: 'hostile:1', jobs: sent, why: 'slave leaving', at: expect.any(Number) }]);
  });

  it('is told once of the jobs of a slave that says HELLO again, and once of those a DONE hands back', async () => {
    const { master, peer, sent } = await peerWithJobs(30_000, 3);
    await peer.ask(peer.hello(3), 'WELCOME');
    expect(master.watch.requeues).toEqual([{ slave: 'hostile:1', jobs: sent, why: 'slave reconnected', at: expect.any(Number) }]);
    peer.jobs.length = 0;
    await peer.say({ command: 'CREDIT', run: peer.run!, credit: 2 });
    await vi.waitFor(() => expect(peer.jobs.reduce((sum, jobs) => sum + runsLength(jobs.seqs), 0)).toBe(2), { timeout: 10_000, interval: 20 });
    const returned = peer.jobs.flatMap((jobs) => jobs.seqs);
    await peer.say({ command: 'DONE', run: peer.run!, seqs: [], failures: [], returned, ms: 0, credit: 0 });
    await vi.waitFor(() => expect(master.watch.requeues).toHaveLength(2), { timeout: 10_000, interval: 20 });
    await peer.ask({ command: 'BYE', run: peer.run!, returned: [] }, 'QUIT');
    expect(master.watch.counts.requeued).toBe(sent + 2);
    expect(master.watch.requeues.map(({ jobs, why }) => [jobs, why])).toEqual([[2, 'handed back unstarted'], [sent, 'slave reconnected']]);
  });

  it('is told a silent slave’s jobs once when its lease runs out, not again as it is let go', async () => {
    const { master, peer, sent } = await peerWithJobs(300, 4);
    await vi.waitFor(() => expect(master.watch.requeues.length).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    // Heard again once forgotten: told to say HELLO, and its jobs are not requeued a second time.
    await peer.ask({ command: 'PING', run: peer.run! }, 'REJECT');
    expect(master.watch.counts.requeued).toBe(sent);
    expect(master.watch.requeues).toEqual([{ slave: 'hostile:1', jobs: sent, why: 'silent for more than 300 ms (lease)', at: expect.any(Number) }]);
  });
});

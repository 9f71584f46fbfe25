import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Master } from '../../src/master/master.js';
import { runsLength } from '../../src/protocol/seq-runs.js';
import { HostilePeer } from '../helpers/hostile-peer.js';
import { ROOT, tempDir } from '../helpers/processes.js';

// The bound on the wait runs on fake timers; sockets and the event loop's own turns stay real.
const TIMERS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] as const;

describe("a finished run's QUIT", () => {
  const dir = tempDir();
  const peers: HostilePeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
    vi.useRealTimers();
    dir.remove();
  });

  /** A master over 3 jobs of squares.ts and `count` welcomed peers; the first runs all 3, and every peer has its QUIT. */
  async function finishedRun(count: number): Promise<{ master: Master; ended: () => boolean; run: string }> {
    vi.useFakeTimers({ toFake: [...TIMERS] });
    const master = await Master.start({ module: join(ROOT, 'examples', 'squares.ts'), args: { n: '3' }, address: 'tcp://127.0.0.1:*', state: join(dir.path, 'run.state.json'), logLevel: 'error' });
    let ended = false;
    void master.done.then(() => (ended = true));
    for (let i = 0; i < count; i++) peers.push(new HostilePeer(master.endpoint, `peer-${i}`));
    const welcomes = await Promise.all(peers.map((peer) => peer.ask(peer.hello(100), 'WELCOME')));
    const run = welcomes[0]!.run;
    const [worker] = peers;
    const quits = peers.map((peer) => peer.next('QUIT'));
    // The jobs may come in more than one JOBS (the first batch to a slave is small): every one is kept in `jobs`.
    await worker!.say({ command: 'CREDIT', run, credit: 3 });
    const sent = (): number => worker!.jobs.reduce((n, jobs) => n + runsLength(jobs.seqs), 0);
    while (sent() < 3) await worker!.next('JOBS');
    for (const jobs of worker!.jobs) await worker!.say({ command: 'DONE', run, seqs: jobs.seqs, failures: [], ms: 1, credit: 0 });
    await Promise.all(quits);
    return { master, ended: () => ended, run };
  }

  it('keeps the master open and answering until every slave has said BYE to it', async () => {
    const { master, ended, run } = await finishedRun(2);
    const [first, second] = peers as [HostilePeer, HostilePeer];
    await first.say({ command: 'BYE', run, returned: [] });
    // Still read and served: a socket closed at once lost QUITs still on their way to 1,000 slaves.
    const report = await second.ask({ command: 'STATUS' }, 'REPORT');
    // Every slave still counts until the socket closes (the bar and tm-status show them).
    expect(report.slaves).toHaveLength(2);
    expect(ended()).toBe(false);
    await second.say({ command: 'BYE', run, returned: [] });
    const summary = await master.done;
    expect(summary).toMatchObject({ outcome: 'finished', done: 3 });
  });

  it('closes after 2 s when a slave never answers, the run still finished', async () => {
    const { master, ended } = await finishedRun(1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(ended()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await master.done).toMatchObject({ outcome: 'finished', done: 3 });
  });

  it('lets a slave that comes while it waits go with the others: WELCOME, then QUIT', async () => {
    const { master, ended, run } = await finishedRun(1);
    const late = new HostilePeer(master.endpoint, 'late');
    peers.push(late);
    const quit = late.next('QUIT');
    expect(await late.ask(late.hello(100), 'WELCOME')).toMatchObject({ run });
    expect(await quit).toEqual({ command: 'QUIT', run });
    await peers[0]!.say({ command: 'BYE', run, returned: [] });
    await late.ask({ command: 'STATUS' }, 'REPORT');
    expect(ended()).toBe(false);
    await late.say({ command: 'BYE', run, returned: [] });
    expect(await master.done).toMatchObject({ outcome: 'finished', done: 3 });
  });
});

import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Master } from '../../src/master/master.js';
import { HostilePeer } from '../helpers/hostile-peer.js';
import { ROOT, tempDir } from '../helpers/processes.js';

// Leases, checkpoints and the grace period run on fake timers; sockets and the event loop's
// own turns (setImmediate) stay real, so messages still flow.
const TIMERS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] as const;

describe('a stopping master', () => {
  const dir = tempDir();
  let peer: HostilePeer | undefined;
  afterEach(async () => {
    await peer?.close();
    vi.useRealTimers();
    dir.remove();
  });

  /** A master over 10 jobs of squares.ts with `grace`, and a peer that took 4 of them and never reports. */
  async function stuckRun(grace: number): Promise<{ master: Master; taken: number }> {
    vi.useFakeTimers({ toFake: [...TIMERS] });
    const master = await Master.start({
      module: join(ROOT, 'examples', 'squares.ts'),
      args: { n: '10' },
      address: 'tcp://127.0.0.1:*',
      state: join(dir.path, 'run.state.json'),
      grace,
      logLevel: 'error',
    });
    peer = new HostilePeer(master.endpoint, 'stuck');
    const welcome = await peer.ask(peer.hello(100), 'WELCOME');
    const jobs = await peer.ask({ command: 'CREDIT', run: welcome.run, credit: 4 }, 'JOBS');
    const taken = jobs.seqs.reduce((n, v, i) => (i % 2 === 1 ? n + v : n), 0);
    return { master, taken };
  }

  it('waits out --grace for jobs in flight, then ends stopped with them unfinished', async () => {
    const { master, taken } = await stuckRun(10_000);
    expect(taken).toBeGreaterThan(0);
    let ended = false;
    void master.done.then(() => (ended = true));
    master.stop();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const summary = await master.done;
    expect(summary.outcome).toBe('stopped');
    expect(summary.done).toBe(0);
    expect(summary.finished).toBe(0);
  });

  it('ends at once on a second stop, without waiting for the grace', async () => {
    const { master } = await stuckRun(60_000);
    master.stop();
    master.stop();
    expect((await master.done).outcome).toBe('stopped');
  });
});

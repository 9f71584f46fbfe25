import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Master } from '../../src/master/master.js';
import { Slave } from '../../src/slave/slave.js';
import { FIXTURES, tempDir } from '../helpers/processes.js';

const GROWING = join(FIXTURES, 'growing.ts');

describe('Master.needsSlaves', () => {
  const dir = tempDir();
  afterEach(() => {
    delete process.env.TM_MORE;
  });
  afterAll(() => dir.remove());

  async function finishedRun(state: string): Promise<void> {
    const master = await Master.start({ module: GROWING, args: { n: '5' }, address: 'tcp://127.0.0.1:*', state, logLevel: 'error' });
    expect(await master.needsSlaves).toBe(true);
    const slave = await Slave.start({ module: GROWING, address: master.endpoint, threads: 1, logLevel: 'error' });
    expect((await master.done).outcome).toBe('finished');
    await slave.done;
  }

  it('is false for a run the state says has finished, which then ends with nothing to do', async () => {
    const state = join(dir.path, 'done.state.json');
    await finishedRun(state);
    const again = await Master.start({ module: GROWING, args: { n: '5' }, address: 'tcp://127.0.0.1:*', state, logLevel: 'error' });
    expect(await again.needsSlaves).toBe(false);
    expect(await again.done).toMatchObject({ outcome: 'finished', done: 0, finished: 5 });
  });

  it('turns true when such a run yields a job after all, and the run goes on', async () => {
    const state = join(dir.path, 'grown.state.json');
    await finishedRun(state);
    process.env.TM_MORE = '3';
    const again = await Master.start({ module: GROWING, args: { n: '5' }, address: 'tcp://127.0.0.1:*', state, logLevel: 'error' });
    expect(await again.needsSlaves).toBe(true);
    const slave = await Slave.start({ module: GROWING, address: again.endpoint, threads: 1, logLevel: 'error' });
    expect(await again.done).toMatchObject({ outcome: 'finished', done: 3, finished: 8 });
    await slave.done;
  });
});

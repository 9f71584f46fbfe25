import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantPids, FIXTURES, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const dir = useTestDir();

describe('tm-run after its last job', () => {
  it('lets slaves that joined after the run finished leave at once, told the run is over, not signalled later', async () => {
    const state = join(dir.path, 'late.state.json');
    const run = runBin('tm-run', [join(FIXTURES, 'late-slaves.ts'), '3', 'n=10', '--threads', '1', '--state', state, '--no-progress', '--log-level', 'debug'], {
      cwd: dir.path,
      env: { TM_LATE_DIR: dir.path, TM_LATE_STATE: state },
    });
    const pid = run.child.pid!;
    // Two slaves are still loading the module when the run finishes.
    await run.waitFor(/finished: 10 jobs done/);
    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    // A late slave's HELLO can still reach the master between its final snapshot (which the
    // fixture waits for) and its socket's close, and be welcomed, then told by the master's QUIT;
    // every other late one must leave on the supervisor's word.
    const welcomed = run.stderr.match(/welcomed by run/g)?.length ?? 0;
    expect(welcomed).toBeGreaterThanOrEqual(1);
    expect(run.stderr.match(/leaving: the supervisor says the run is over/g)?.length ?? 0).toBeGreaterThanOrEqual(3 - welcomed);
    // None was stopped by a signal after a wait, nor waited for a QUIT that never came.
    expect(run.stderr).not.toMatch(/stopping/);
    expect(run.stderr).not.toMatch(/left without the master's QUIT/);
    expect(descendantPids(pid)).toEqual([]);
  });
});

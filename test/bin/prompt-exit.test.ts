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
    expect(run.stderr.match(/welcomed by run/g)).toHaveLength(1);
    // None was stopped by a signal after a wait: each left on being told the run was over.
    expect(run.stderr.match(/leaving: the supervisor says the run is over/g)).toHaveLength(2);
    expect(run.stderr).not.toMatch(/stopping/);
    expect(descendantPids(pid)).toEqual([]);
  });
});

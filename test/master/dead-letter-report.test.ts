import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadLetterPath } from '../../src/master/state/checkpoint.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const dir = useTestDir();

describe('a run that dead-letters jobs', () => {
  it('says how many warnings it held back before it ends, and where the dead letters are and how to retry them', async () => {
    const state = join(dir.path, 'run.state.json');
    const failing = join(dir.path, 'failing.txt');
    const jobs = Array.from({ length: 20 }, (_, i) => 10 + i);
    writeFileSync(failing, jobs.map((job) => `${job}\n`).join(''));
    const run = runBin('tm-run', [join(FIXTURES, 'flaky.ts'), '1', 'n=100', '--threads', '1', '--retries', '0', '--state', state, '--no-progress'], {
      cwd: dir.path,
      env: { TM_FAILING: failing, TM_RECORD: join(dir.path, 'record.txt') },
    });
    expect(await run.exited, run.stderr).toEqual({ code: 1, signal: null });
    const told = run.stderr.match(/\[master\] warn: job \d+ failed after 1 attempt/g) ?? [];
    const held = Number(/\[master\] warn: (\d+) more lines? of this kind held back; the last one shown was: job \d+ failed after 1 attempt/.exec(run.stderr)?.[1] ?? 0);
    expect(told.length + held).toBe(20);
    expect(held).toBeGreaterThan(0);
    expect(run.stdout).toContain(`tm-run: dead-lettered jobs are in ${deadLetterPath(state)}: fix what fails them, then run the same command with --retry-failed\n`);
  });

  it('names no dead-letter file when none was written', async () => {
    const run = runBin('tm-run', [join(FIXTURES, 'flaky.ts'), '1', 'n=10', '--threads', '1', '--state', join(dir.path, 'ok.state.json'), '--no-progress'], {
      cwd: dir.path,
      env: { TM_RECORD: join(dir.path, 'record.txt') },
    });
    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stdout).not.toMatch(/dead-lettered jobs are in/);
  });
});

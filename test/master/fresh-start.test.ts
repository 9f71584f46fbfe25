import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const SQUARES = join(ROOT, 'examples', 'squares.ts');
const dir = useTestDir();

describe('where a run keeps its state, and a run that has finished', () => {
  it('says, in one line, that it found no state and starts from the beginning; again from another directory; not once the state is there', async () => {
    const first = runBin('tm-run', [SQUARES, '1', 'n=10', '--threads', '1', '--no-progress'], { cwd: dir.path });
    expect(await first.exited, first.stderr).toEqual({ code: 0, signal: null });
    const state = join(dir.path, '.taskmaster');
    expect(first.stderr).toMatch(new RegExp(`no state at ${state}/squares-getJobs-[0-9a-f]{8}\\.state\\.json; starting from the beginning\\n`));

    const again = runBin('tm-run', [SQUARES, '1', 'n=10', '--threads', '1', '--no-progress'], { cwd: dir.path });
    expect(await again.exited, again.stderr).toEqual({ code: 0, signal: null });
    expect(again.stderr).not.toMatch(/no state at/);
    expect(again.stderr).toMatch(/the state says this run already finished, so nothing ran; pass --reset \(run\(\): reset: true\) to run it again/);
    // Nothing to run: no slave is started, so none says a word (before, 4 started and were signalled 5 s later).
    expect(again.stderr).not.toMatch(/\[slave /);
    expect(again.stdout).toMatch(/^tm-run: finished: 0 jobs done, 0 dead-lettered in [\d.]+ s \(0 jobs\/s\); 10 of 10 finished over the whole run$/m);

    const elsewhere = join(dir.path, 'elsewhere');
    mkdirSync(elsewhere);
    const moved = runBin('tm-run', [SQUARES, '1', 'n=10', '--threads', '1', '--no-progress'], { cwd: elsewhere });
    expect(await moved.exited, moved.stderr).toEqual({ code: 0, signal: null });
    expect(moved.stderr).toMatch(`no state at ${elsewhere}/.taskmaster/`);

    const reset = runBin('tm-run', [SQUARES, '1', 'n=10', '--threads', '1', '--no-progress', '--reset'], { cwd: dir.path });
    expect(await reset.exited, reset.stderr).toEqual({ code: 0, signal: null });
    expect(reset.stderr).toMatch(/reset at .*; starting from the beginning/);
  });
});

describe('two runs over the same data with other handlers and results files', () => {
  it('keep a state each by default: the second is not refused as if the first one’s files were cut short', async () => {
    writeFileSync(join(dir.path, 'people.csv'), Array.from({ length: 50 }, (_, i) => `person ${i}\n`).join(''));
    writeFileSync(join(dir.path, 'first.mjs'), 'export const handleJob = ({ line }) => line;\n');
    writeFileSync(join(dir.path, 'other.mjs'), 'export const handleJob = ({ text }) => text.length;\n');
    const lines = join(ROOT, 'dist', 'sources', 'lines.js');
    const runWith = (handler: string, results: string) =>
      runBin('tm-run', ['--source', lines, handler, '1', 'path=people.csv', '--results', results, '--threads', '1', '--no-progress'], { cwd: dir.path });

    const first = runWith('./first.mjs', 'first.jsonl');
    expect(await first.exited, first.stderr).toEqual({ code: 0, signal: null });
    const other = runWith('./other.mjs', 'other.jsonl');
    expect(await other.exited, other.stderr).toEqual({ code: 0, signal: null });

    expect(readFileSync(join(dir.path, 'first.jsonl'), 'utf8').trim().split('\n')).toHaveLength(50);
    expect(readFileSync(join(dir.path, 'other.jsonl'), 'utf8').trim().split('\n')).toHaveLength(50);
    expect(readdirSync(join(dir.path, '.taskmaster')).filter((name) => name.endsWith('.state.json'))).toHaveLength(2);
  });
});

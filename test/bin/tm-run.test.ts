import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { readStateFields } from '../helpers/state.js';

const RECORD = join(FIXTURES, 'record.ts');

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

describe('tm-run', () => {
  it('handles each of 100,000 jobs exactly once and records the run as finished', async () => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'run.state.json');
    const run = runBin('tm-run', [RECORD, '2', 'n=100000', '--threads', '1', '--state', state, '--no-progress'], {
      cwd: dir.path,
      env: { TM_RECORD: record },
    });

    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    const lines = readRecord(record);
    const { missing, reran } = tally(lines, range(100_000));
    expect(missing).toEqual([]);
    expect(reran).toEqual([]);
    expect(lines).toHaveLength(100_000);
    expect(run.stdout).toMatch(/finished: 100000 jobs done, 0 dead-lettered/);
    const fields = readStateFields(state);
    expect(fields.finished).toBe(true);
    expect(fields.ledger).toMatchObject({ watermark: 100_000, doneAbove: [], failed: 0 });
  });

  it('runs the TypeScript example squares.ts with no build step, its state under ./.taskmaster/', async () => {
    const run = runBin('tm-run', [join(ROOT, 'examples', 'squares.ts'), '2', 'n=1000', '--threads', '1', '--no-progress'], { cwd: dir.path });

    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stdout).toMatch(/^tm-run: finished: 1000 jobs done, 0 dead-lettered in [\d.]+ s \(\d+ jobs\/s\)\n$/m);
    const [state, ...others] = readdirSync(join(dir.path, '.taskmaster')).filter((file) => file.endsWith('.state.json'));
    expect(others).toEqual([]);
    expect(state).toMatch(/^squares-getJobs-[0-9a-f]{8}\.state\.json$/);
    const fields = readStateFields(join(dir.path, '.taskmaster', state!));
    expect(fields).toMatchObject({ finished: true, cursorMode: 'seq', ledger: { watermark: 1000 } });
  });

  it('runs the TypeScript example keyset.ts, which imports taskmaster-ts by its package name', async () => {
    const state = join(dir.path, 'keyset.state.json');
    const run = runBin('tm-run', [join(ROOT, 'examples', 'keyset.ts'), '1', 'n=3000', '--threads', '1', '--state', state, '--no-progress'], { cwd: dir.path });

    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stdout).toMatch(/finished: 1000 jobs done, 0 dead-lettered/);
    // Rows 0, 3, … 2997: the cursor of the last is the id of the last row.
    expect(readStateFields(state)).toMatchObject({ finished: true, cursorMode: 'key', ledger: { watermark: 1000, lastCursor: 2997 } });
  });

  it('exits once the run is over, though the module left timers running', async () => {
    const run = runBin('tm-run', [join(FIXTURES, 'lingering.mjs'), '1', '--threads', '1', '--state', join(dir.path, 'l.json'), '--no-progress'], { cwd: dir.path });

    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stdout).toMatch(/finished: 100 jobs done/);
  });

  it('ends a run with no slave saying its master went away: the master leaving after its QUIT is no news', async () => {
    // The quick start's run: four slaves, each gets QUIT, and then sees its connection drop (before,
    // their word of it came 0 to 4 times a run).
    const run = runBin('tm-run', [join(ROOT, 'examples', 'squares.ts'), '4', '--state', join(dir.path, 's.json'), '--no-progress'], { cwd: dir.path });

    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stderr).not.toMatch(/lost the connection|no master has answered/);
  });

  it('passes --max-credit on to its slaves', async () => {
    const run = runBin('tm-run', [join(ROOT, 'examples', 'squares.ts'), '1', 'n=100', '--threads', '1', '--max-credit', '100', '--state', join(dir.path, 's.json'), '--no-progress'], { cwd: dir.path });

    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stderr).toMatch(/joined \(1 thread, capacity 100\)/);
  });

  it('writes dead letters whose stacks name the line of the TypeScript module, not a transpiled copy', async () => {
    // No "type": "module" here, as in a new user's folder: tsx runs the file as CommonJS.
    writeFileSync(join(dir.path, 'package.json'), '{}\n');
    const lines = ['export async function* getJobs() {', '  yield 1;', '}', 'interface Job { n: number }', 'export function handleJob(job: number): never {', '  const x: Job = { n: job };', '  throw new Error(`boom ${x.n}`);', '}'];
    writeFileSync(join(dir.path, 'fixture.ts'), `${lines.join('\n')}\n`);
    const run = runBin('tm-run', ['./fixture.ts', '1', '--threads', '1', '--retries', '0', '--state', join(dir.path, 'f.state.json'), '--no-progress'], { cwd: dir.path });

    expect(await run.exited, run.stderr).toEqual({ code: 1, signal: null });
    const [letter] = readFileSync(join(dir.path, 'f.dead-letter.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { error: { stack: string } });
    const stack = letter!.error.stack;
    expect(stack.split('\n')[1], stack.slice(0, 300)).toMatch(/\(.*\/fixture\.ts:7:\d+\)$/);
    expect(stack).not.toMatch(/data:/);
  });
});

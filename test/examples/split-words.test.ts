/** examples/split-words: the two-stage pipeline through channels of docs/outputs.md, run as written. */
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../helpers/outputs.js';
import { fences, npxArgs, readDoc, shLines } from '../helpers/markdown.js';
import { ROOT, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const OUTPUTS = readDoc('docs/outputs.md');
const dir = useTestDir();

/** The `npx --no-install tm-run` lines of docs/outputs.md. */
const pipeline = (): string[] => shLines(OUTPUTS, 'npx --no-install tm-run ');

describe('examples/split-words', () => {
  it('is shown in docs/outputs.md as it is', () => {
    const file = readFileSync(join(ROOT, 'examples', 'split-words', 'words.ts'), 'utf8');
    expect(fences(OUTPUTS, 'ts').map(({ code }) => code)).toContain(file);
  });

  it('splits lines into words on three channels, then runs a second stage over one of them through the jsonl source', async () => {
    const commands = pipeline();
    expect(commands).toHaveLength(2);
    // The example as a project of its own would have it: its files, and taskmaster-ts installed.
    cpSync(join(ROOT, 'examples', 'split-words'), join(dir.path, 'examples', 'split-words'), { recursive: true });
    mkdirSync(join(dir.path, 'node_modules'));
    symlinkSync(ROOT, join(dir.path, 'node_modules', 'taskmaster-ts'));
    for (const command of commands) {
      const run = runBin('tm-run', [...npxArgs(command, 'tm-run'), '--no-progress'], { cwd: dir.path });
      expect(await run.exited, `${command}\n${run.stdout}${run.stderr}`).toEqual({ code: 0, signal: null });
    }
    const text = readFileSync(join(ROOT, 'examples', 'split-words', 'text.txt'), 'utf8');
    const words = text.split(/[^\p{L}\p{N}'-]+/u).filter((word) => word !== '').map((word) => word.toLowerCase());
    const sorted = <T>(values: T[]): T[] => [...values].sort();
    const channels = join(dir.path, 'out', 'channels');
    expect(sorted(readJsonl(join(channels, 'words.jsonl')))).toEqual(sorted(words));
    const long = words.filter((word) => word.length >= 10);
    expect(sorted(readJsonl(join(channels, 'long.jsonl')))).toEqual(sorted(long));
    expect(sorted(readJsonl(join(channels, 'numbers.jsonl')) as number[])).toEqual([3, 42, 1999, 7].sort());
    // Stage 2: a job per line of long.jsonl, a result line each.
    const results = readJsonl(join(dir.path, 'out', 'long-words.jsonl')) as Array<{ job: string; result: { word: string; letters: number } }>;
    expect(sorted(results.map((line) => line.job))).toEqual(sorted(long));
    for (const { job, result } of results) expect(result).toMatchObject({ word: job, letters: job.length });
  }, 60_000);
});

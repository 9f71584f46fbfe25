/** examples/split-words: the README's two-stage pipeline through channels, run as written. */
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../helpers/outputs.js';
import { ROOT, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const dir = useTestDir();

/** The `npx tm-run` lines of the README's "Results and channels" section. */
function pipeline(): string[] {
  const start = README.indexOf('\n## Results and channels\n');
  const section = README.slice(start, README.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n')).filter((line) => line.startsWith('npx tm-run '));
}

describe('examples/split-words', () => {
  it('is shown in the README as it is', () => {
    const file = readFileSync(join(ROOT, 'examples', 'split-words', 'words.ts'), 'utf8');
    expect(README).toContain(`\`\`\`ts\n${file}\`\`\``);
  });

  it('splits lines into words on three channels, then runs a second stage over one of them through the jsonl source', async () => {
    const commands = pipeline();
    expect(commands).toHaveLength(2);
    // The example as a project of its own would have it: its files, and taskmaster-ts installed.
    cpSync(join(ROOT, 'examples', 'split-words'), join(dir.path, 'examples', 'split-words'), { recursive: true });
    mkdirSync(join(dir.path, 'node_modules'));
    symlinkSync(ROOT, join(dir.path, 'node_modules', 'taskmaster-ts'));
    for (const command of commands) {
      const run = runBin('tm-run', [...command.split(/\s+/).slice(2), '--no-progress'], { cwd: dir.path });
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

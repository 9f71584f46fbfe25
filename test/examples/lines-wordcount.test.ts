/** examples/lines-wordcount: the commands of docs/sources.md as written, and a run stopped and resumed that counts the same. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../helpers/outputs.js';
import { fences, npxArgs, readDoc, section, shLines } from '../helpers/markdown.js';
import { ROOT, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const SOURCES = readDoc('docs/sources.md');
const TSX = createRequire(import.meta.url).resolve('tsx');
const EXAMPLE = join(ROOT, 'examples', 'lines-wordcount');
const dir = useTestDir();

/** The npx lines of the lines-wordcount section of docs/sources.md. */
const commands = (): string[] => shLines(section(SOURCES, '### `examples/lines-wordcount/`'), 'npx --no-install ');

const countWords = (text: string): number => text.split(/[^\p{L}\p{N}'-]+/u).filter((word) => word !== '').length;

/** Runs total.ts (as `npx tsx` would) over a results file in the test's dir; returns its stdout. */
async function total(results: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', TSX, join(dir.path, 'examples', 'lines-wordcount', 'total.ts'), results], { cwd: dir.path, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  expect(code).toBe(0);
  return out;
}

describe('examples/lines-wordcount', () => {
  /** The example as a project of its own would have it: its files, and taskmaster-ts installed. */
  const install = (): void => {
    cpSync(EXAMPLE, join(dir.path, 'examples', 'lines-wordcount'), { recursive: true });
    mkdirSync(join(dir.path, 'node_modules'));
    symlinkSync(ROOT, join(dir.path, 'node_modules', 'taskmaster-ts'));
  };

  it('is shown in docs/sources.md as it is, and its commands count what it says', async () => {
    expect(fences(SOURCES, 'ts').map(({ code }) => code)).toContain(readFileSync(join(EXAMPLE, 'count.ts'), 'utf8'));
    install();
    const [run, sum] = commands();
    const tmRun = runBin('tm-run', [...npxArgs(run!, 'tm-run'), '--no-progress'], { cwd: dir.path });
    expect(await tmRun.exited, tmRun.stderr).toEqual({ code: 0, signal: null });
    const poem = readFileSync(join(EXAMPLE, 'poem.csv'), 'utf8').split('\n').slice(1, -1);
    const said = /# (.*)$/.exec(sum!)![1]!;
    expect(said).toBe(`${poem.length} lines, ${poem.reduce((sum, line) => sum + countWords(line), 0)} words`);
    expect(await total(join(dir.path, 'counts.jsonl'))).toBe(`${said}\n`);
  });

  it('counts a file stopped part way (--limit) and resumed exactly as one run would: a result per line, once', async () => {
    install();
    const texts = Array.from({ length: 30_000 }, (_, i) => Array.from({ length: i % 17 }, (_, w) => `w${w}`).join(i % 5 === 0 ? '  ' : ' '));
    const path = join(dir.path, 'big.txt');
    writeFileSync(path, texts.map((text, i) => text + (i % 2 === 0 ? '\r\n' : '\n')).join('').replace(/\n$/, ''));
    const args = ['--source', 'taskmaster-ts/sources/lines', 'examples/lines-wordcount/count.ts', '2', `path=${path}`, '--results', 'counts.jsonl', '--state', 'count.state.json', '--no-progress'];
    const first = runBin('tm-run', [...args, '--limit', '12345'], { cwd: dir.path });
    expect(await first.exited, first.stderr).toEqual({ code: 0, signal: null });
    const second = runBin('tm-run', args, { cwd: dir.path });
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(second.stderr).toMatch('resuming at seq 12345');
    const results = readJsonl(join(dir.path, 'counts.jsonl')) as Array<{ seq: number; job: { line: number; text: string }; result: number }>;
    expect(results.map(({ seq }) => seq).sort((a, b) => a - b)).toEqual(texts.map((_, i) => i));
    for (const { seq, job, result } of results) expect({ job, result }).toEqual({ job: { line: seq + 1, text: texts[seq] }, result: countWords(texts[seq]!) });
    expect(await total(join(dir.path, 'counts.jsonl'))).toBe(`30000 lines, ${texts.reduce((sum, text) => sum + countWords(text), 0)} words\n`);
  });
});

/** The README's Controls and Embedding sections: every command and every example in them runs here, as written. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runBin } from './helpers/processes.js';
import { countLines } from './helpers/record.js';
import { useTestDir } from './helpers/test-dir.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const TSX = createRequire(import.meta.url).resolve('tsx');

/** The text of the README section `## title`, up to the next `## `. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README has a ## ${title} section`).toBeGreaterThan(0);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end === -1 ? undefined : end);
}

/** The fenced code blocks of `text` in language `lang`. */
function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
}

const dir = useTestDir();

describe('README: Controls', () => {
  const commands = blocks(section('Controls'), 'sh')
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.startsWith('npx tm-run '));

  it('shows a command for each control', () => {
    for (const flag of ['--rate', '--max-failures', '--limit', '--joblog']) expect(commands.some((command) => command.includes(flag)), flag).toBe(true);
  });

  it('runs each command as written, in order, with the exit code it says', async () => {
    symlinkSync(join(ROOT, 'examples'), join(dir.path, 'examples'));
    for (const command of commands) {
      const [words, comment = ''] = command.split('#');
      const args = words!.trim().split(/\s+/).slice(2);
      const expected = Number(/exits (\d+)/.exec(comment)?.[1] ?? 0);
      const run = runBin('tm-run', [...args, '--no-progress'], { cwd: dir.path });
      expect(await run.exited, `${command}\n${run.stdout}${run.stderr}`).toEqual({ code: expected, signal: null });
      const joblog = /--joblog (\S+)/.exec(command)?.[1];
      if (joblog !== undefined) expect(countLines(join(dir.path, joblog))).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('README: Embedding', () => {
  const examples = blocks(section('Embedding'), 'ts').map((code) => ({ code, file: /^\/\/ (examples\/\S+\.ts)/.exec(code)?.[1] }));

  it('shows files of examples/, as they are', () => {
    expect(examples.map(({ file }) => file)).toEqual(['examples/typed-squares.ts', 'examples/embed.ts', 'examples/master-slave.ts']);
    for (const { code, file } of examples) expect(code, file).toBe(readFileSync(join(ROOT, file!), 'utf8'));
  });

  it.each([
    ['examples/embed.ts', /^finished: 10000 jobs done, 10000 results checked$/m],
    ['examples/master-slave.ts', /^finished: 1000 jobs$/m],
  ])('runs %s', async (file, output) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, file)], { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(output);
  }, 60_000);
});

describe('README: commands on other hosts', () => {
  it('runs only our package with npx: `npx tm-keygen` on a host without it would fetch any package of that name', () => {
    const lines = blocks(README, 'sh')
      .flatMap((block) => block.split('\n'))
      .filter((line) => /^\S+-host\$\s+npx\s/.test(line));
    expect(lines.length, 'the README shows commands on other hosts').toBeGreaterThan(0);
    expect(lines.filter((line) => !/\$\s+npx (?:-p taskmaster-ts|--no-install) /.test(line))).toEqual([]);
  });
});

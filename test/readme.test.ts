/**
 * The README and docs/*.md: the README's shape (a table of contents, its sections in order, short),
 * every link, every snippet that names a file of the repository against that file, the Controls
 * commands run as written, and the examples docs/embedding.md shows run.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fences, npxArgs, readDoc, section, shLines } from './helpers/markdown.js';
import { ROOT, runBin } from './helpers/processes.js';
import { countLines } from './helpers/record.js';
import { useTestDir } from './helpers/test-dir.js';

const README = readDoc('README.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const PAGES = ['README.md', ...DOCS];
const TSX = createRequire(import.meta.url).resolve('tsx');

/** GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a page's headings (outside code blocks). */
function anchors(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  return [...prose.matchAll(/^#+ (.*)$/gm)].map((match) => anchor(match[1]!));
}

const dir = useTestDir();

describe('README: shape', () => {
  const headings = [...README.matchAll(/^## (.*)$/gm)].map((match) => match[1]!);

  it('is under about 400 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(415);
  });

  it('has its sections in the order a newcomer needs them', () => {
    expect(headings).toEqual(['Why', 'Quick start', 'The task module', 'Commands', 'Sources', 'Results and channels', 'Controls', 'Watching a run', 'Many hosts', 'Embedding', 'Guarantees', 'Performance', 'Development']);
  });

  it('links every section from a table of contents near the top', () => {
    const contents = /^\*\*Contents:\*\*([\s\S]*?)\n\n/m.exec(README);
    expect(contents, 'a **Contents:** paragraph').not.toBeNull();
    expect(README.indexOf('**Contents:**')).toBeLessThan(README.indexOf('\n## '));
    expect([...contents![1]!.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1])).toEqual(headings.map(anchor));
  });

  it('shows one performance table, each figure with its baseline ratio', () => {
    const rows = section(README, '## Performance')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| workload') && !line.startsWith('| ---'));
    expect(rows.length).toBeGreaterThan(5);
    expect(section(README, '## Performance').match(/^\| workload/gm)).toHaveLength(1);
    for (const row of rows) expect(row, row).toMatch(/\| (?:×?\d+\.\d+(?:, ×\d+\.\d+)?) \|$/);
  });

  it('says how long npm test takes', () => {
    expect(section(README, '## Development')).toMatch(/`npm test` takes about \d+ minutes/);
  });
});

describe('README and docs: links', () => {
  it('finds the links of the README', () => {
    expect([...README.matchAll(/\]\((?:docs\/|#)/g)].length).toBeGreaterThan(20);
  });

  it.each(PAGES)('every relative link of %s reaches a file, and a heading there', (page) => {
    const text = readDoc(page).replace(/^```[\s\S]*?^```$/gm, '');
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((link) => !/^[a-z]+:/.test(link));
    for (const link of links) {
      const [path = '', hash] = link.split('#');
      const target = path === '' ? page : normalize(join(dirname(page), path));
      expect(existsSync(join(ROOT, target)), `${page}: ${link}`).toBe(true);
      if (hash !== undefined) expect(anchors(readDoc(target)), `${page}: ${link}`).toContain(hash);
    }
  });
});

describe('README and docs: snippets', () => {
  /** Blocks whose first line names a file of the repository: `// examples/x.ts` (`: what`, or `(excerpt)`). */
  const named = PAGES.flatMap((page) =>
    fences(readDoc(page)).flatMap(({ code }) => {
      const label = /^\/\/ ((?:examples|src|bench|test)\/\S+?\.\w+)(:.*| \(excerpt\))?\n/.exec(code);
      return label === null ? [] : [{ page, code, file: label[1]!, excerpt: label[2] === ' (excerpt)', body: code.slice(label[0].length) }];
    }),
  );

  it('shows examples/squares.ts in the quick start', () => {
    expect(named.filter(({ page }) => page === 'README.md').map(({ file }) => file)).toContain('examples/squares.ts');
  });

  it('shows each file it names as it is (a label line the file lacks aside), or a marked excerpt of it', () => {
    expect(named.length).toBeGreaterThan(4);
    for (const { page, code, file, excerpt, body } of named) {
      expect(existsSync(join(ROOT, file)), `${page} names ${file}`).toBe(true);
      const text = readFileSync(join(ROOT, file), 'utf8');
      if (excerpt) expect(text, `${page}: the excerpt of ${file}`).toContain(body);
      else expect(text.startsWith(code.split('\n')[0]!) ? code : body, `${page}: ${file}`).toBe(text);
    }
  });
});

describe('README: commands', () => {
  it('runs only our package with npx, everywhere: `npx tm-keygen` on a host without it would fetch any package of that name', () => {
    const shown = PAGES.flatMap((page) =>
      fences(readDoc(page)).flatMap(({ code }) =>
        code
          .split('\n')
          .filter((line) => /(?:^|\$\s+|&&\s+)npx\s/.test(line))
          .map((line) => `${page}: ${line}`),
      ),
    );
    expect(shown.filter((line) => line.includes('-host$')).length, 'commands on other hosts').toBeGreaterThan(0);
    expect(shown.filter((line) => /(?:^|\$\s+|&&\s+|: )npx (?!-p taskmaster-ts |--no-install )/.test(line))).toEqual([]);
  });

  it("quick start: type=module, and allowScripts for exactly the dependencies whose install scripts package.json turns off", () => {
    const quick = section(README, '## Quick start');
    expect(shLines(quick, 'npm pkg set type=module')).toHaveLength(1);
    const [line] = shLines(quick, 'npm pkg set allowScripts.');
    const named = [...line!.matchAll(/allowScripts\.(\S+)=false/g)].map((match) => match[1]);
    const ours = (JSON.parse(readDoc('package.json')) as { allowScripts: Record<string, boolean> }).allowScripts;
    expect(named.sort()).toEqual(Object.keys(ours).sort());
  });
});

describe('README: Controls', () => {
  const commands = shLines(section(README, '## Controls'), 'npx --no-install tm-run ');

  it('shows a command for each control', () => {
    for (const flag of ['--rate', '--max-failures', '--limit', '--joblog']) expect(commands.some((command) => command.includes(flag)), flag).toBe(true);
  });

  it('runs each command as written, in order, with the exit code it says', async () => {
    symlinkSync(join(ROOT, 'examples'), join(dir.path, 'examples'));
    for (const command of commands) {
      const expected = Number(/# exits (\d+)/.exec(command)?.[1] ?? 0);
      const run = runBin('tm-run', [...npxArgs(command, 'tm-run'), '--no-progress'], { cwd: dir.path });
      expect(await run.exited, `${command}\n${run.stdout}${run.stderr}`).toEqual({ code: expected, signal: null });
      const joblog = /--joblog (\S+)/.exec(command)?.[1];
      if (joblog !== undefined) expect(countLines(join(dir.path, joblog))).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('README: Embedding', () => {
  const embedding = section(README, '## Embedding');

  it('says the package is an ES module, how to import it so, and what a CommonJS project does instead', () => {
    expect(embedding).toContain('"type": "module"');
    expect(embedding).toContain('.mjs');
    expect(embedding).toMatch(/CommonJS[\s\S]*dynamic\s+`import\(\)`/);
    expect(fences(embedding, 'js').map(({ code }) => code.split('\n')[0])).toEqual(['// run.js: a run from your own code', '// run.cjs: the same from CommonJS']);
  });
});

describe('docs/embedding.md', () => {
  const examples = fences(readDoc('docs/embedding.md'), 'ts').map(({ code }) => /^\/\/ (examples\/\S+\.ts)/.exec(code)?.[1]);

  it('shows the typed examples', () => {
    expect(examples).toEqual(['examples/typed-squares.ts', 'examples/embed.ts', 'examples/master-slave.ts']);
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
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(output);
  }, 60_000);
});

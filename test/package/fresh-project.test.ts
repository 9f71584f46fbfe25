/**
 * The package as a newcomer gets it: `npm pack` (which builds on prepack), then a new project made
 * with `npm init -y` that follows the README's quick start and Embedding as written, the commands
 * and files taken from the README's own text. Only `npm install taskmaster-ts` changes: it installs
 * the tarball, from npm's cache where it can. It needs the registry (or a cache holding our
 * dependencies): locally a network failure skips with one line, under CI it fails.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fences, readDoc, section } from '../helpers/markdown.js';
import { killAll, ROOT, tempDir, track } from '../helpers/processes.js';

const README = readDoc('README.md');
const QUICK = section(README, '## Quick start');
const EMBEDDING = section(README, '## Embedding');
/** What packing needs of the repository: its build inputs and what `files` ships. */
const PACKED_FROM = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'src', 'docs', 'README.md', 'LICENSE'];

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `script` with `sh -e` in `cwd`, as a user's shell would (no npm lifecycle variables of ours). */
async function sh(script: string, cwd: string): Promise<Ran> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_package_|npm_lifecycle_|INIT_CWD$)/.test(key)));
  const child = spawn('sh', ['-ec', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** The js or ts block whose first line is `// NAME…` (`// run.js: …`), as the README shows it. */
function fileBlock(text: string, name: string): string {
  const block = fences(text).find(({ code }) => code.startsWith(`// ${name}:`) || code.startsWith(`// ${name}\n`) || code.startsWith(`// ${name} (`));
  if (block === undefined) throw new Error(`the README shows no file ${name}`);
  return block.code;
}

describe('the packed tarball in a project made with npm init -y', () => {
  const work = tempDir();
  let tarball = '';
  // Until the install test makes it: a later test on its own fails there, writing nothing elsewhere.
  let project = join(work.path, 'not-made');

  beforeAll(() => {
    mkdirSync(join(work.path, 'source'));
    mkdirSync(join(work.path, 'packed'));
  });

  afterAll(async () => {
    await killAll();
    work.remove();
  });

  it('packs (building on prepack) LICENSE, README.md, the dashboard image and every docs page the README links', async () => {
    // A copy, so the build that packing runs cannot rewrite dist/ under other tests' running bins.
    const source = join(work.path, 'source');
    for (const entry of PACKED_FROM) cpSync(join(ROOT, entry), join(source, entry), { recursive: true });
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(source, 'node_modules'));
    const packed = await sh(`npm pack --pack-destination ${JSON.stringify(join(work.path, 'packed'))}`, source);
    expect(packed.code, packed.stderr).toBe(0);
    const [file] = readdirSync(join(work.path, 'packed'));
    tarball = join(work.path, 'packed', file!);
    const listed = await sh(`tar tzf ${JSON.stringify(tarball)}`, work.path);
    const files = listed.stdout.split('\n').map((line) => line.replace(/^package\//, ''));
    const linked = [...README.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((match) => match[1]!);
    expect(linked).toContain('docs/dashboard.png');
    for (const wanted of ['LICENSE', 'README.md', 'dist/index.js', 'dist/bin/tm-run.js', ...linked]) expect(files, wanted).toContain(wanted);
  }, 300_000);

  it('installs as the quick start says, with no install-scripts warning', async (ctx) => {
    const [setup] = fences(QUICK, 'sh');
    const install = 'npm install taskmaster-ts';
    expect(setup!.code.split('\n')).toContain(install);
    const script = setup!.code.replace(install, `npm install ${JSON.stringify(tarball)} --prefer-offline --no-audit --no-fund`);
    const ran = await sh(`${script}pwd`, work.path);
    const output = ran.stdout + ran.stderr;
    if (ran.code !== 0 && !process.env.CI && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(output)) {
      console.warn(`test/package/fresh-project.test.ts: skipped, the npm registry cannot be reached (${/E[A-Z]+/.exec(output)![0]})`);
      ctx.skip();
    }
    expect(ran.code, output).toBe(0);
    expect(output).not.toMatch(/allowScripts|install-scripts|install scripts/i);
    project = ran.stdout.trim().split('\n').at(-1)!;
    expect(project.startsWith(work.path)).toBe(true);
  }, 180_000);

  it("runs the quick start's task module with its command, and ends with the summary it shows", async () => {
    const module = /Save this task module as `([^`]+)`/.exec(QUICK)![1]!;
    writeFileSync(join(project, module), fileBlock(QUICK, 'examples/squares.ts'));
    const [, command] = fences(QUICK, 'sh');
    expect(command!.code).toContain(module);
    const ran = await sh(command!.code, project);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const shown = fences(QUICK, '').at(-1)!.code.trim();
    const [summary] = shown.split(' in ');
    expect(ran.stdout + ran.stderr).toMatch(new RegExp(`^${summary!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} in [\\d.]+ s \\(\\d+ jobs/s\\)$`, 'm'));
  }, 120_000);

  it('runs the Embedding example as an ES module, and its CommonJS form, with node', async () => {
    writeFileSync(join(project, 'run.js'), fileBlock(EMBEDDING, 'run.js'));
    const [command] = fences(EMBEDDING, 'sh');
    expect(command!.code).toBe('node run.js\n');
    const esm = await sh(command!.code, project);
    expect(esm.code, esm.stderr).toBe(0);
    const promised = /It prints `([^`]+)`/.exec(EMBEDDING)![1]!;
    expect(esm.stdout.split('\n')).toContain(promised);

    writeFileSync(join(project, 'run.cjs'), fileBlock(EMBEDDING, 'run.cjs'));
    const cjs = await sh('node run.cjs', project);
    expect(cjs.code, cjs.stderr).toBe(0);
    expect(cjs.stdout).toMatch(/^finished: 1000 jobs done$/m);
  }, 120_000);
});

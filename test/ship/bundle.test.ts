import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { bundleModule } from '../../src/ship/bundle.js';
import { useTestDir } from '../helpers/test-dir.js';

const dir = useTestDir();

/** Writes `files` (path -> text) under `root`. */
function write(root: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
}

const PROJECT = {
  'handler.ts': "import { twice } from './lib.ts';\nexport function handleJob(x: number): number {\n  return twice(x);\n}\n",
  'lib.ts': 'export const twice = (x: number): number => 2 * x;\n',
};

describe('bundleModule', () => {
  it('gives the same sha256 for the same sources in another directory, and another for one byte changed', async () => {
    const [a, b] = [join(dir.path, 'a', 'deep', 'checkout'), join(dir.path, 'b')];
    write(a, PROJECT);
    write(b, PROJECT);
    const [first, second] = await Promise.all([bundleModule('handler.ts', { cwd: a }), bundleModule(join(b, 'handler.ts'))]);
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.sha256).toBe(first.sha256);
    expect(second.code.equals(first.code)).toBe(true);
    write(b, { 'lib.ts': PROJECT['lib.ts'].replace('2 *', '3 *') });
    expect((await bundleModule('handler.ts', { cwd: b })).sha256).not.toBe(first.sha256);
  });

  it('inlines a plain package, and leaves native ones, taskmaster-ts, listed ones and unresolvable optional requires as imports', async () => {
    write(dir.path, {
      'node_modules/plain/package.json': '{"name":"plain","main":"index.js"}',
      'node_modules/plain/index.js': 'module.exports = { twice: (x) => 2 * x, marker: "plain-body" };',
      'node_modules/addon/package.json': '{"name":"addon","main":"index.js"}',
      'node_modules/addon/index.js': 'module.exports = require("./build/Release/addon.node");',
      'node_modules/addon/build/Release/addon.node': '',
      'node_modules/gyp/package.json': '{"name":"gyp","main":"index.js","gypfile":true}',
      'node_modules/gyp/index.js': 'module.exports = 1;',
      'node_modules/helped/package.json': '{"name":"helped","main":"index.js","dependencies":{"node-gyp-build":"^4"}}',
      'node_modules/helped/index.js': 'module.exports = 2;',
      'node_modules/listed/package.json': '{"name":"listed","main":"index.js"}',
      'node_modules/listed/index.js': 'module.exports = 3;',
      'handler.cjs': [
        'const plain = require("plain");',
        'let optional; try { optional = require("not-installed-native"); } catch { optional = null; }',
        'exports.handleJob = (x) => [plain.twice(x), optional];',
        'exports.others = () => [require("addon"), require("gyp"), require("helped"), require("listed"), require("taskmaster-ts"), require("node:path")];',
      ].join('\n'),
    });
    const bundle = await bundleModule('handler.cjs', { cwd: dir.path, external: ['listed'] });
    const code = bundle.code.toString();
    expect(bundle.externals).toEqual(['addon', 'gyp', 'helped', 'listed', 'not-installed-native', 'taskmaster-ts']);
    expect(code).toContain('plain-body');
    // Runs from another directory, with no node_modules: the optional require fails as the code expects.
    write(join(dir.path, 'elsewhere'), { 'handler.mjs': bundle.code.toString() });
    const shipped = (await import(pathToFileURL(join(dir.path, 'elsewhere', 'handler.mjs')).href)) as { default: { handleJob: (x: number) => unknown } };
    expect(shipped.default.handleJob(21)).toEqual([42, null]);
  });

  it('refuses a module that does not bundle with one line naming it and the first error where it is', async () => {
    write(dir.path, { 'broken.ts': 'export function handleJob() {\n  return 1 +;\n}\n' });
    const failure = await bundleModule('broken.ts', { cwd: dir.path }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toMatch(/^cannot bundle task module `broken\.ts` to ship it: broken\.ts:2: Unexpected ";"$/);
  });

  it('refuses a static import that cannot be resolved, rather than leave it to fail on every slave', async () => {
    write(dir.path, { 'typo.ts': "import { x } from 'no-such-package';\nexport const handleJob = () => x;\n" });
    await expect(bundleModule('typo.ts', { cwd: dir.path })).rejects.toThrow(/^cannot bundle task module `typo\.ts` to ship it: typo\.ts:1: Could not resolve "no-such-package"/);
  });
});

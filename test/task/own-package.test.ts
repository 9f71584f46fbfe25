import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveModule } from '../../src/task/load.js';
import { resolveOwnPackage } from '../../src/task/own-package.js';
import { ROOT } from '../helpers/processes.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'tm-own-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('taskmaster-ts/… specifiers', () => {
  it.each(['lines', 'jsonl', 'range', 'pg'])('resolve the built-in source %s from a directory that does not depend on taskmaster-ts, to this package’s dist', (name) => {
    expect(resolveModule(`taskmaster-ts/sources/${name}`, scratch)).toBe(pathToFileURL(path.join(ROOT, 'dist', 'sources', `${name}.js`)).href);
  });

  it('prefer the copy the project installed', () => {
    const own = path.join(scratch, 'project', 'node_modules', 'taskmaster-ts');
    mkdirSync(path.join(own, 'dist', 'sources'), { recursive: true });
    writeFileSync(path.join(own, 'package.json'), JSON.stringify({ name: 'taskmaster-ts', type: 'module', exports: { './sources/lines': { default: './dist/sources/lines.js' } } }));
    writeFileSync(path.join(own, 'dist', 'sources', 'lines.js'), 'export function* getJobs() {}');
    expect(resolveModule('taskmaster-ts/sources/lines', path.join(scratch, 'project'))).toBe(pathToFileURL(path.join(own, 'dist', 'sources', 'lines.js')).href);
  });

  it('leave other packages, and what the package does not export, unresolved', () => {
    expect(resolveOwnPackage('lodash')).toBeUndefined();
    expect(resolveOwnPackage('taskmaster-tsx/sources/lines')).toBeUndefined();
    expect(resolveOwnPackage('taskmaster-ts/sources/line-reader')).toBeUndefined();
    expect(() => resolveModule('taskmaster-ts/sources/nope', scratch)).toThrow(/cannot find task module `taskmaster-ts\/sources\/nope`/);
  });
});

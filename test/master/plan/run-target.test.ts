import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/common/errors.js';
import { resolveMasterOptions } from '../../../src/master/master-options.js';
import { defaultStatePath, locateRun } from '../../../src/master/plan/run-target.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

describe('locateRun', () => {
  it('names the module by its file and the state by the default for that identity', () => {
    const target = locateRun(resolveMasterOptions({ module: 'tasks.ts', fn: 'evens', args: { n: '5' }, cwd: FIXTURES }));
    expect(target.url).toBe(`file://${join(FIXTURES, 'tasks.ts')}`);
    expect(target.identity).toEqual({ module: join(FIXTURES, 'tasks.ts'), fn: 'evens', args: { n: '5' } });
    expect(target.statePath).toBe(defaultStatePath(target.identity, FIXTURES));
  });

  it('takes --state as given', () => {
    expect(locateRun(resolveMasterOptions({ module: 'tasks.ts', state: 'here/run.json', cwd: FIXTURES })).statePath).toBe('here/run.json');
  });

  it('refuses a module that is not there with a usage error naming it', () => {
    expect(() => locateRun(resolveMasterOptions({ module: 'nowhere.ts', cwd: FIXTURES }))).toThrow(UsageError);
    expect(() => locateRun(resolveMasterOptions({ module: 'nowhere.ts', cwd: FIXTURES }))).toThrow(/nowhere\.ts/);
  });
});

describe('defaultStatePath', () => {
  it('names the default state after the module, the generator and a hash of the sorted args', () => {
    const a = defaultStatePath({ module: '/srv/tasks/squares.ts', fn: 'getJobs', args: { b: '2', a: '1' } }, '/work');
    expect(a).toMatch(/^\/work\/\.taskmaster\/squares-getJobs-[0-9a-f]{8}\.state\.json$/);
    expect(defaultStatePath({ module: '/srv/tasks/squares.ts', fn: 'getJobs', args: { a: '1', b: '2' } }, '/work')).toBe(a);
    expect(defaultStatePath({ module: '/srv/tasks/squares.ts', fn: 'getJobs', args: { a: '1', b: '3' } }, '/work')).not.toBe(a);
  });
});

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

describe('a run’s handler and output files', () => {
  const base = { module: '/srv/sources/lines.js', fn: 'getJobs', args: { path: 'people.csv' } };

  it('name a state of its own: another handler or results file over the same data is another run', () => {
    const first = defaultStatePath({ ...base, handler: '/srv/a.ts', results: '/srv/a.jsonl' }, '/work');
    expect(defaultStatePath({ ...base, handler: '/srv/other.ts', results: '/srv/other.jsonl' }, '/work')).not.toBe(first);
    expect(defaultStatePath({ ...base, handler: '/srv/a.ts', results: '/srv/b.jsonl' }, '/work')).not.toBe(first);
    expect(defaultStatePath({ ...base, handler: '/srv/a.ts', channels: '/srv/out' }, '/work')).not.toBe(first);
    // A run without them keeps the name it always had.
    expect(defaultStatePath({ ...base, handler: undefined, results: undefined, channels: undefined }, '/work')).toBe(defaultStatePath(base, '/work'));
  });

  it('are resolved as the identity records them: the handler by its file, the outputs absolute', () => {
    const target = locateRun(resolveMasterOptions({ module: 'tasks.ts', handler: 'tasks.mjs:double', resultsFile: 'out/r.jsonl', cwd: FIXTURES }));
    expect(target.identity).toMatchObject({ handler: `${join(FIXTURES, 'tasks.mjs')}:double`, results: join(FIXTURES, 'out', 'r.jsonl') });
  });
});

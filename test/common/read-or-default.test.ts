import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../src/common/errors.js';
import { readOrDefault, readTextOr } from '../../src/common/read-or-default.js';
import { tempDir } from '../helpers/processes.js';

let dir: ReturnType<typeof tempDir>;

beforeEach(() => {
  dir = tempDir();
});

afterEach(() => {
  dir.remove();
});

/** What `action` threw. */
function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('readOrDefault', () => {
  it('gives the text of a file that is there', () => {
    writeFileSync(join(dir.path, 'lock'), '4211\n');
    expect(readOrDefault(join(dir.path, 'lock'), undefined, 'lock')).toBe('4211\n');
  });

  it('gives the default for a file that is not there', () => {
    expect(readOrDefault(join(dir.path, 'none'), undefined, 'lock')).toBeUndefined();
    expect(readOrDefault(join(dir.path, 'none'), '', 'state log')).toBe('');
  });

  it('refuses a folder in its place with a StateError naming what it is and why', () => {
    const path = join(dir.path, 'run.state.json');
    mkdirSync(path);
    const error = thrown(() => readOrDefault(path, undefined, 'state file'));
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).code).toBe('E_STATE');
    expect((error as StateError).message).toBe(`could not read state file ${path}: EISDIR: illegal operation on a directory, read`);
    expect((error as StateError).cause).toMatchObject({ code: 'EISDIR' });
  });

  it('refuses a path it cannot reach (through a file) rather than calling it missing', () => {
    writeFileSync(join(dir.path, 'file'), 'x');
    const path = join(dir.path, 'file', 'run.dead-letter.jsonl');
    const error = thrown(() => readOrDefault(path, '', 'dead-letter file'));
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).message).toMatch(new RegExp(`^could not read dead-letter file ${path}: ENOTDIR`));
  });

  it('reads what `read` makes of the path instead, with the same default and the same refusal', () => {
    const size = (path: string): number => statSync(path).size;
    writeFileSync(join(dir.path, 'out.jsonl'), '{"a":1}\n');
    expect(readOrDefault(join(dir.path, 'out.jsonl'), 0, 'output file', size)).toBe(8);
    expect(readOrDefault(join(dir.path, 'none.jsonl'), 0, 'output file', size)).toBe(0);
    const through = join(dir.path, 'out.jsonl', 'x');
    expect(() => readOrDefault(through, 0, 'output file', size)).toThrow(new RegExp(`^could not read output file ${through}: ENOTDIR`));
  });
});

describe('readTextOr', () => {
  it('gives what onError makes of any failure, a missing file too', () => {
    const codes: Array<string | undefined> = [];
    expect(readTextOr(join(dir.path, 'none'), (error) => (codes.push(error.code), 'fallback'))).toBe('fallback');
    expect(readTextOr(dir.path, (error) => (codes.push(error.code), ''))).toBe('');
    expect(codes).toEqual(['ENOENT', 'EISDIR']);
  });
});

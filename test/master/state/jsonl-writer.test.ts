import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../../src/common/errors.js';
import { JsonlWriter } from '../../../src/master/state/jsonl-writer.js';
import { tempDir } from '../../helpers/processes.js';

let dir: ReturnType<typeof tempDir>;

beforeEach(() => {
  dir = tempDir();
});

afterEach(() => {
  dir.remove();
});

describe('JsonlWriter', () => {
  it('appends after what the file holds, and counts its bytes', () => {
    const path = join(dir.path, 'out.jsonl');
    writeFileSync(path, '{"a":1}\n');
    const { file, cut } = JsonlWriter.open(path);
    expect([file.bytes, cut]).toEqual([8, 0]);
    file.append('{"b":2}\n{"c":3}\n');
    file.append('');
    expect(file.bytes).toBe(24);
    file.close({ sync: true });
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
  });

  it('cuts a longer file to cutTo first, and says how many bytes went', () => {
    const path = join(dir.path, 'out.jsonl');
    writeFileSync(path, '{"a":1}\n{"torn"');
    const { file, cut } = JsonlWriter.open(path, { cutTo: 8 });
    expect([file.bytes, cut]).toEqual([8, 7]);
    file.append('{"b":2}\n');
    file.close();
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
  });

  it('empties the file on truncate, and appends from its start after', () => {
    const path = join(dir.path, 'run.state.json.log');
    const { file } = JsonlWriter.open(path);
    file.append('one\n');
    file.truncate();
    file.append('two\n');
    expect(file.bytes).toBe(4);
    file.close();
    expect(readFileSync(path, 'utf8')).toBe('two\n');
  });

  it('refuses a failed write with an E_STATE_WRITE naming the file as told, its count unchanged', () => {
    const { file } = JsonlWriter.open('/dev/full', { name: 'output file /dev/full' });
    let caught: unknown;
    try {
      file.append('{"a":1}\n');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StateError);
    expect((caught as StateError).code).toBe('E_STATE_WRITE');
    expect((caught as StateError).message).toMatch(/^could not append to output file \/dev\/full: ENOSPC/);
    expect(file.bytes).toBe(0);
    file.close();
  });

  it('refuses a path it cannot open with an E_STATE_WRITE naming it', () => {
    expect(() => JsonlWriter.open(dir.path)).toThrow(new StateError(`could not open ${dir.path}: EISDIR: illegal operation on a directory, open '${dir.path}'`, { code: 'E_STATE_WRITE' }));
  });
});

import { openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { getJobs } from '../../src/sources/lines.js';
import type { LineCursor } from '../../src/sources/line-reader.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { readStateFields } from '../helpers/state.js';
import { useTestDir } from '../helpers/test-dir.js';
import { collect, recorded } from './collect.js';

const dir = useTestDir();

/** Writes `text` (or bytes) to a file in the test's dir and returns its path. */
function file(name: string, content: string | Buffer): string {
  const path = join(dir.path, name);
  writeFileSync(path, content);
  return path;
}

const lines = async (args: Record<string, string>, last?: LineCursor) => collect(getJobs(last, args));

describe('the lines source', () => {
  it('yields { line, text } per line: CRLF without its CR, empty lines, a last line without a newline', async () => {
    const path = file('a.csv', 'id,name\r\n1,ann\r\n\r\n2,bob\n3,cy');
    expect((await lines({ path })).map(({ job }) => job)).toEqual([
      { line: 1, text: 'id,name' },
      { line: 2, text: '1,ann' },
      { line: 3, text: '' },
      { line: 4, text: '2,bob' },
      { line: 5, text: '3,cy' },
    ]);
  });

  it('skips the header with skip-header=true, keeping the file’s line numbers', async () => {
    const path = file('a.csv', 'id,name\n1,ann\n2,bob\n');
    expect((await lines({ path, 'skip-header': 'true' })).map(({ job }) => job)).toEqual([
      { line: 2, text: '1,ann' },
      { line: 3, text: '2,bob' },
    ]);
    expect(await lines({ path: file('empty.csv', '') })).toEqual([]);
  });

  it('drops a UTF-8 byte order mark, and decodes latin1 when told', async () => {
    const path = file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo\nwörld\n')]));
    expect((await lines({ path })).map(({ job }) => job)).toEqual([
      { line: 1, text: 'héllo' },
      { line: 2, text: 'wörld' },
    ]);
    const latin = file('latin.txt', Buffer.from('caf\xe9\n', 'latin1'));
    expect((await lines({ path: latin, encoding: 'latin1' })).map(({ job }) => job)).toEqual([{ line: 1, text: 'café' }]);
  });

  it('gives each line the byte offset after it and its number as its cursor', async () => {
    const path = file('a.txt', 'ab\r\ncde\nf');
    expect((await lines({ path })).map(({ cursor }) => cursor)).toEqual([
      { offset: 4, line: 1 },
      { offset: 8, line: 2 },
      { offset: 9, line: 3 },
    ]);
  });

  it('reads lines across its read chunks (1 MiB) exactly: long lines, CRLF split between chunks', async () => {
    // Line lengths chosen so that newlines, and some CR/LF pairs, straddle the chunk edges.
    const texts = Array.from({ length: 400 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat((i * 7919) % 40_000));
    const content = texts.map((text, i) => text + (i % 3 === 0 ? '\r\n' : '\n')).join('');
    const path = file('long.txt', content);
    const got = await lines({ path });
    expect(got.map(({ job }) => (job as { text: string }).text)).toEqual(texts);
    expect(got.at(-1)!.cursor).toEqual({ offset: Buffer.byteLength(content), line: 400 });
  });

  it('resumes after any line exactly: from its cursor on, the rest of the file and nothing else', async () => {
    const path = file('a.csv', 'h\r\nx1\r\n\r\nx3\nx4\nx5');
    const all = await lines({ path, 'skip-header': 'true' });
    for (let i = 0; i < all.length; i++) {
      expect(await lines({ path, 'skip-header': 'true' }, all[i]!.cursor as LineCursor)).toEqual(all.slice(i + 1));
    }
  });

  it('reads from the cursor on, not the part done: resuming near the end of a 64 MB file reads under 4 MB', async () => {
    const line = `${'x'.repeat(1023)}\n`;
    const path = file('big.txt', line.repeat(64 * 1024));
    const readSoFar = (): number => Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
    const before = readSoFar();
    const rest = await lines({ path }, { offset: 1024 * (64 * 1024 - 3), line: 64 * 1024 - 3 });
    const read = readSoFar() - before;
    expect(rest.map(({ job }) => (job as { line: number }).line)).toEqual([65534, 65535, 65536]);
    expect(read).toBeLessThan(4 << 20);
  });

  it('refuses to resume a file that changed before the cursor, naming the byte', async () => {
    const path = file('a.txt', 'one\ntwo\nthree\n');
    await expect(lines({ path }, { offset: 6, line: 1 })).rejects.toThrow(
      new UsageError(`lines source: ${path} changed since this run read it: byte 6, where line 2 started, no longer follows a newline; restore the file, or pass --reset to start over`),
    );
    await expect(lines({ path }, { offset: 99, line: 3 })).rejects.toThrow(/byte 99, where line 4 started, is past its end \(14 bytes\)/);
  });

  it.each([
    [{}, 'lines source: needs `path=` (the file to read)'],
    [{ path: 'x', 'skip-header': 'yes' }, 'lines source: expected `skip-header=` to be true or false, got `yes`'],
    [{ path: 'x', encoding: 'utf16le' }, 'lines source: expected `encoding=` to be one of utf8, latin1, ascii (whose newline is the byte 0x0A), got `utf16le`'],
    [{ file: 'x' }, 'lines source: unknown argument `file=`; it takes `path=`, `skip-header=`, `encoding=`'],
  ])('refuses %j with one line', (args, message) => {
    expect(() => getJobs(undefined, args)).toThrow(new UsageError(message));
  });

  it('says a missing file in one line', async () => {
    await expect(lines({ path: join(dir.path, 'nope.csv') })).rejects.toThrow(new UsageError(`lines source: cannot open \`${join(dir.path, 'nope.csv')}\`: no such file`));
  });
});

describe('the lines source, resumed by tm-run', () => {
  it('seeks to the byte offset: the part done is never read again (overwritten, it goes unnoticed)', async () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `row ${i},${'v'.repeat(i % 50)}`);
    const path = file('huge.csv', `id,value\r\n${texts.join('\r\n')}\r\n`);
    const record = join(dir.path, 'record.jsonl');
    const state = join(dir.path, 'lines.state.json');
    const args = ['--source', 'taskmaster-ts/sources/lines', join(FIXTURES, 'job-record.mjs'), '1', `path=${path}`, 'skip-header=true', '--state', state, '--threads', '1', '--no-progress'];
    const first = runBin('tm-run', [...args, '--limit', '3000'], { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await first.exited, first.stderr).toEqual({ code: 0, signal: null });
    const { ledger } = readStateFields(state);
    expect(ledger.watermark).toBe(3000);
    const cursor = ledger.lastCursor as LineCursor;
    expect(cursor.line).toBe(3001);

    // Every byte before the cursor but the newline ending it becomes X: a reader that read the
    // done part again would yield X lines, or none at all, and lose count of the line numbers.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(cursor.offset - 1, 'X'), 0, cursor.offset - 1, 0);
    closeSync(fd);
    expect(readFileSync(path, 'latin1').slice(0, 5)).toBe('XXXXX');

    const second = runBin('tm-run', args, { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
    expect(second.stderr).toMatch('resuming at seq 3000, 3000 finished');
    const jobs = recorded(record) as Array<{ line: number; text: string }>;
    expect(jobs.length).toBe(5000);
    expect(jobs.sort((a, b) => a.line - b.line)).toEqual(texts.map((text, i) => ({ line: i + 2, text })));
  });
});

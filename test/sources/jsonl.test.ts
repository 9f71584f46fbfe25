import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/common/errors.js';
import { getJobs } from '../../src/sources/jsonl.js';
import type { LineCursor } from '../../src/sources/line-reader.js';
import { readDeadLetters } from '../../src/master/state/dead-letter-read.js';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { readStateFields } from '../helpers/state.js';
import { useTestDir } from '../helpers/test-dir.js';
import { collect, recorded } from './collect.js';

const dir = useTestDir();

function file(name: string, content: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, content);
  return path;
}

const CONTENT = '{"id":1,"tags":["a"]}\r\n\n  \n"two"\n{"id": 3,\n[4]\nnull\n{"id":6}';

describe('the jsonl source', () => {
  it('yields each line’s JSON value, skips blank lines, and rejects a malformed line with its number and the parse error', async () => {
    const got = await collect(getJobs(undefined, { path: file('a.jsonl', CONTENT) }));
    expect(got.map(({ job, rejected }) => (rejected === undefined ? job : { rejected, job }))).toEqual([
      { id: 1, tags: ['a'] },
      'two',
      { rejected: expect.stringMatching(/^line 5: .*JSON/) as unknown, job: { line: 5, text: '{"id": 3,' } },
      [4],
      null,
      { id: 6 },
    ]);
    expect(got.map(({ cursor }) => (cursor as LineCursor).line)).toEqual([1, 4, 5, 6, 7, 8]);
  });

  it('resumes after any value exactly', async () => {
    const path = file('a.jsonl', CONTENT);
    const all = await collect(getJobs(undefined, { path }));
    for (let i = 0; i < all.length; i++) expect(await collect(getJobs(all[i]!.cursor as LineCursor, { path }))).toEqual(all.slice(i + 1));
  });

  it('refuses bad args with one line', () => {
    expect(() => getJobs(undefined, {})).toThrow(new UsageError('jsonl source: needs `path=` (the JSON Lines file to read)'));
    expect(() => getJobs(undefined, { path: 'x', 'skip-header': 'true' })).toThrow(new UsageError('jsonl source: unknown argument `skip-header=`; it takes `path=`'));
  });
});

describe('the jsonl source under tm-run', () => {
  it('dead-letters malformed lines at once, never fatal and never sent to a slave; --retry-failed keeps them, still unsent', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => (i % 100 === 42 ? `{"broken": ${i}` : JSON.stringify({ i })));
    const path = file('events.jsonl', `${lines.join('\n')}\n`);
    const record = join(dir.path, 'record.jsonl');
    const state = join(dir.path, 'events.state.json');
    const args = ['--source', 'taskmaster-ts/sources/jsonl', join(FIXTURES, 'job-record.mjs'), '1', `path=${path}`, '--state', state, '--threads', '1', '--no-progress'];
    const run = runBin('tm-run', args, { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await run.exited, run.stderr).toEqual({ code: 1, signal: null });
    expect(run.stdout).toMatch(/finished: 990 jobs done, 10 dead-lettered/);
    const good = lines.flatMap((_, i) => (i % 100 === 42 ? [] : [{ i }]));
    expect((recorded(record) as Array<{ i: number }>).sort((a, b) => a.i - b.i)).toEqual(good);

    const deadLetters = join(dir.path, 'events.dead-letter.jsonl');
    const letters = readDeadLetters(deadLetters);
    expect(letters.map(({ seq, attempts, job, slave }) => ({ seq, attempts, job, slave }))).toEqual(
      Array.from({ length: 10 }, (_, k) => ({ seq: 100 * k + 42, attempts: 0, job: { line: 100 * k + 43, text: `{"broken": ${100 * k + 42}` }, slave: undefined })),
    );
    expect(letters[0]!.error).toMatchObject({ name: 'SyntaxError', message: expect.stringMatching(/^line 43: /) as unknown });
    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: 1000, failed: 10 } });

    const retry = runBin('tm-run', [...args, '--retry-failed'], { cwd: dir.path, env: { TM_RECORD: record } });
    expect(await retry.exited, retry.stderr).toEqual({ code: 1, signal: null });
    expect(retry.stdout).toMatch(/0 jobs done, 10 dead-lettered/);
    expect(recorded(record)).toHaveLength(990);
    expect(readDeadLetters(deadLetters).map(({ seq, attempts }) => [seq, attempts])).toEqual(letters.map(({ seq }) => [seq, 0]));
  });
});

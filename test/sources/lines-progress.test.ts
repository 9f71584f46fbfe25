/**
 * The lines and jsonl sources measure progress by bytes (`progressOf`): a run of a file of lines,
 * whose job count is unknown, shows a percentage and an ETA without reading the file twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as Api from '../../src/index.js';
import { progressOf as jsonlProgressOf } from '../../src/sources/jsonl.js';
import { progressOf } from '../../src/sources/lines.js';
import { FIXTURES, ROOT } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const { run } = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof Api;
const dir = useTestDir();

describe('progressOf of the lines and jsonl sources', () => {
  it('is the bytes before the cursor against the file’s size', () => {
    const path = join(dir.path, 'a.txt');
    writeFileSync(path, 'aaaa\nbbbb\ncccc\ndddd\n');

    expect(progressOf({ offset: 5, line: 1 }, { path })).toBe(0.25);
    expect(progressOf({ offset: 20, line: 4 }, { path })).toBe(1);
    expect(jsonlProgressOf({ offset: 10, line: 2 }, { path })).toBe(0.5);
  });
});

describe('a run of the lines source', () => {
  it('gives progress events with a fraction of the file and an ETA, though its job count is unknown, and ends at 1', async () => {
    const path = join(dir.path, 'big.txt');
    writeFileSync(path, Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`).join(''));
    process.env.TM_RECORD = join(dir.path, 'record.jsonl');
    // 20,000 jobs at 10,000 a second: two seconds of 250 ms progress events.
    const handle = run({ source: join(ROOT, 'dist', 'sources', 'lines.js'), handler: join(FIXTURES, 'job-record.mjs'), args: { path }, slaves: 1, threads: 1, rate: '10000/s', state: join(dir.path, 's.json'), cwd: dir.path });
    const events: Api.ProgressSnapshot[] = [];
    handle.on('progress', (snapshot) => events.push(snapshot));

    expect(await handle.done).toMatchObject({ outcome: 'finished', done: 20_000, total: undefined });

    delete process.env.TM_RECORD;
    const midway = events.filter((e) => e.fraction !== undefined && e.fraction > 0 && e.fraction < 1);
    expect(midway.length).toBeGreaterThan(0);
    expect(midway.some((e) => e.etaSeconds !== undefined && e.etaSeconds > 0)).toBe(true);
    // Never ahead of the jobs finished: the fraction is that of the finished prefix.
    for (const e of midway) expect(e.fraction!).toBeLessThanOrEqual(e.finished / 20_000 + 0.001);
    expect(events.at(-1)).toMatchObject({ finished: 20_000, fraction: 1 });
  }, 60_000);
});

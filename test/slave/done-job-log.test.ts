import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobLog, OK } from '../../src/master/controls/job-log.js';
import { doneJobLog } from '../../src/slave/done-job-log.js';
import type { Batch, BatchResult } from '../../src/slave/thread-messages.js';
import { useTestDir } from '../helpers/test-dir.js';

const dir = useTestDir();
const KEY = 'höst-12-ab34';
const batch: Batch = { seqs: [10, 3, 20, 2], jobs: new Uint8Array(), count: 5, timings: true };
const timings = Float64Array.of(1765152000123.4, 0.0421, 1765152000124, 1.5, 1765152000125.6, 12.3456, 1765152000126, 0, 1765152009999.5, 1000.0005);
const result: BatchResult = { seqs: batch.seqs, failures: [], timings, returned: [], ms: 3 };

/** What the master's JobLog writes for these jobs when it formats their lines itself. */
async function mastersLines(): Promise<string> {
  const log = JobLog.open('master.jsonl', dir.path, undefined);
  await log.write({ slave: { key: KEY }, seqs: [10, 11, 12, 20, 21], errors: undefined, timings }, { outcomes: new Uint8Array(5).fill(OK), attempts: undefined, resultErrors: undefined });
  await log.close();
  return readFileSync(join(dir.path, 'master.jsonl'), 'utf8');
}

describe('doneJobLog', () => {
  it('makes the very lines the master would write for a DONE whose jobs all succeeded at their first try', async () => {
    const { timings: sent, logLines } = doneJobLog(result, batch, KEY);
    expect(sent).toEqual(new Uint8Array(timings.buffer));
    expect(Buffer.from(logLines!).toString()).toBe(await mastersLines());
  });

  it('sends only the timings when a job failed, or the batch holds retries or a --retry-failed run’s jobs', () => {
    const failure = { index: 1, error: { message: 'no' } };
    for (const [title, made] of [
      ['a failure', doneJobLog({ ...result, failures: [failure] }, batch, KEY)],
      ['attempts', doneJobLog(result, { ...batch, attempts: [0, 1, 0, 0, 0] }, KEY)],
      ['origins', doneJobLog(result, { ...batch, origins: [1, 2, 3, 4, 5] }, KEY)],
    ] as const) {
      expect(Object.keys(made), title).toEqual(['timings']);
    }
    expect(doneJobLog({ ...result, timings: undefined }, batch, KEY)).toEqual({});
  });
});

describe('JobLog given a slave’s lines', () => {
  const report = { slave: { key: KEY }, seqs: [10], errors: undefined, timings: [1, 2], logLines: Buffer.from('{"made":"by the slave"}\n') };
  const written = async (name: string, originOf: ((seq: number) => number) | undefined, outcomes: Uint8Array, attempts: number[] | undefined): Promise<string> => {
    const log = JobLog.open(name, dir.path, originOf);
    await log.write({ slave: { key: 'k' }, seqs: [1], errors: undefined, timings: [5, 6] }, { outcomes: Uint8Array.of(OK), attempts: undefined, resultErrors: undefined });
    await log.write(report, { outcomes, attempts, resultErrors: undefined });
    await log.close();
    return readFileSync(join(dir.path, name), 'utf8');
  };

  it('writes them as they came, after the lines before, when every job succeeded at its first try', async () => {
    const text = await written('a.jsonl', undefined, Uint8Array.of(OK), [0]);
    expect(text.split('\n')).toEqual(['{"seq":1,"attempt":0,"slave":"k","start":5,"ms":6.000,"outcome":"ok"}', '{"made":"by the slave"}', '']);
  });

  it('formats the lines itself for a retry, a failure, or a --retry-failed run', async () => {
    expect(await written('b.jsonl', undefined, Uint8Array.of(OK), [1])).not.toContain('by the slave');
    expect(await written('c.jsonl', undefined, Uint8Array.of(2), undefined)).not.toContain('by the slave');
    expect(await written('d.jsonl', (seq) => seq, Uint8Array.of(OK), undefined)).not.toContain('by the slave');
  });
});

import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../../helpers/processes.js';
import { mixedOutputs, readJsonl } from '../../helpers/outputs.js';
import { readStateFields } from '../../helpers/state.js';
import { useTestDir } from '../../helpers/test-dir.js';

const OUTPUTS = join(FIXTURES, 'outputs.ts');
const dir = useTestDir();

/** `tm-run outputs.ts 1 n=<n>` with --results and --channels in the test's dir, and `extra` flags; resolves with its exit and output. */
async function runOutputs(n: number, extra: readonly string[] = [], env: Record<string, string> = {}) {
  const proc = runBin('tm-run', [OUTPUTS, '1', `n=${n}`, '--state', join(dir.path, 'run.state.json'), '--no-progress', '--retries', '0', ...extra], { cwd: dir.path, env });
  const { code } = await proc.exited;
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

const files = ['--results', 'results.jsonl', '--channels', 'channels'];

describe('--results and --channels', () => {
  it('write one line per job that returned a value, and each channel item to its file, each line plain JSON', async () => {
    const { code, stderr } = await runOutputs(300, files);
    expect(code, stderr).toBe(0);
    const { actual, expected } = mixedOutputs(join(dir.path, 'results.jsonl'), join(dir.path, 'channels'), 300);
    expect(actual).toEqual(expected);
    expect(readJsonl(join(dir.path, 'results.jsonl'))[0]).toEqual({ seq: expect.any(Number), job: expect.any(Number), result: { i: expect.any(Number), square: expect.any(Number) } });
    // The state counts every byte: nothing to cut on a resume.
    const outputs = (readStateFields(join(dir.path, 'run.state.json')) as { outputs?: unknown }).outputs;
    expect(outputs).toEqual({
      results: statSync(join(dir.path, 'results.jsonl')).size,
      channels: { threes: statSync(join(dir.path, 'channels', 'threes.jsonl')).size, evens: statSync(join(dir.path, 'channels', 'evens.jsonl')).size },
    });
  }, 60_000);

  it.each([
    ['a list of pairs made by channels()', 'pairs', { 'words.jsonl': (i: number) => [`w${i}`, `v${i}`], 'odd.jsonl': (i: number) => (i % 2 === 1 ? [i] : []) }],
    ['an async iterable of pairs and channels() values', 'iterable', { 'gen.jsonl': (i: number) => [i, i + 0.5] }],
  ] as const)('take %s, false and null being a sink', async (_title, shape, expected) => {
    const { code, stderr } = await runOutputs(50, ['--channels', 'channels'], { TM_SHAPE: shape });
    expect(code, stderr).toBe(0);
    for (const [file, items] of Object.entries(expected)) {
      const want = Array.from({ length: 50 }, (_, i) => (items as (i: number) => unknown[])(i)).flat();
      const got = readJsonl(join(dir.path, 'channels', file));
      expect([...got].sort(), file).toEqual([...want].sort());
    }
  }, 60_000);

  it('fail a job that names a bad channel, dead-lettered with the reason, and write nothing of it', async () => {
    const { code, stdout, stderr } = await runOutputs(10, ['--channels', 'channels'], { TM_SHAPE: 'bad-name' });
    expect(code, stderr).toBe(1);
    expect(stdout).toMatch(/9 jobs done, 1 dead-lettered/);
    const [dead] = readJsonl(join(dir.path, 'run.dead-letter.jsonl')) as Array<{ seq: number; error: { message: string } }>;
    expect(dead).toMatchObject({ seq: 5, error: { message: expect.stringMatching(/^channel output item 0: channel name "\.\.\/escape" is not allowed/) } });
    expect((readJsonl(join(dir.path, 'channels', 'ok.jsonl')) as number[]).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
  }, 60_000);

  it('fail a job whose channel output has nowhere to go, saying so', async () => {
    const { code, stderr } = await runOutputs(3, ['--results', 'results.jsonl']);
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/job 0 failed after 1 attempt on .*: the handler returned channel output \(channel threes\), but the master has no --channels DIR to write it to/);
    expect(readJsonl(join(dir.path, 'results.jsonl'))).toEqual([{ seq: 1, job: 1, result: { i: 1, square: 1 } }]);
    // With no output files at all, too: never dropped in silence.
    const bare = runBin('tm-run', [OUTPUTS, '1', 'n=3', '--state', join(dir.path, 'bare.state.json'), '--no-progress', '--retries', '0'], { cwd: dir.path });
    expect((await bare.exited).code, bare.stderr).toBe(1);
    expect(bare.stderr).toMatch(/job 0 failed after 1 attempt on .*: the handler returned channel output \(channel threes\), but the master has no --channels DIR to write it to/);
  }, 60_000);

  it('cut a tail no finished job accounts for on resume, saying so', async () => {
    expect((await runOutputs(30, files)).code).toBe(0);
    const results = join(dir.path, 'results.jsonl');
    const before = readFileSync(results, 'utf8');
    // What a master killed as it wrote leaves: a line not counted, and a torn one.
    appendFileSync(results, '{"seq":1,"job":1,"result":{"i":1,"square":1}}\n{"seq":4,"jo');
    appendFileSync(join(dir.path, 'channels', 'threes.jsonl'), '3\n');
    const { code, stderr } = await runOutputs(30, files);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/cut 58 bytes off results file .*results\.jsonl after the \d+ that finished jobs account for/);
    expect(stderr).toMatch(/cut 2 bytes off channel file .*threes\.jsonl/);
    expect(readFileSync(results, 'utf8')).toBe(before);
    const { actual, expected } = mixedOutputs(results, join(dir.path, 'channels'), 30);
    expect(actual).toEqual(expected);
  }, 60_000);

  it('refuse, with one line and nothing changed, a results file cut short or changed', async () => {
    expect((await runOutputs(30, files)).code).toBe(0);
    const results = join(dir.path, 'results.jsonl');
    const size = statSync(results).size;
    const state = readFileSync(join(dir.path, 'run.state.json'), 'utf8');
    truncateSync(results, size - 10);
    const cut = await runOutputs(30, files);
    expect(cut.code).toBe(2);
    expect(cut.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^tm-run: results file .*results\\.jsonl holds ${size - 10} bytes, but state file .*run\\.state\\.json counts ${size} bytes of finished jobs' output in it \\(ending in a newline\\): it was cut short, changed or replaced; nothing was changed\\. Restore it, or pass --reset to start over$`),
    );
    // As long, but not ending where the state says a line ends: another file.
    writeFileSync(results, 'x'.repeat(size + 5));
    expect((await runOutputs(30, files)).stderr).toMatch(/results file .* holds \d+ bytes, but state file .* counts \d+ bytes/);
    expect(readFileSync(join(dir.path, 'run.state.json'), 'utf8')).toBe(state);
    expect(statSync(results).size).toBe(size + 5);
  }, 60_000);

  it('refuse a fresh run over a results file that holds lines, and one resumed without its --results; --reset starts them over', async () => {
    writeFileSync(join(dir.path, 'results.jsonl'), '{"old":1}\n');
    const fresh = await runOutputs(30, files);
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(/tm-run: results file .*results\.jsonl already holds 10 bytes, and this run writes it from the start: move it away, or pass --reset to empty it/);
    const reset = await runOutputs(30, [...files, '--reset']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(mixedOutputs(join(dir.path, 'results.jsonl'), join(dir.path, 'channels'), 30).actual.results).toHaveLength(10);
    const without = await runOutputs(30, ['--channels', 'channels']);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/tm-run: state file .*run\.state\.json writes results \(\d+ bytes so far\): pass --results FILE again to resume it, or --reset to start over/);
  }, 60_000);
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, runBin, type Proc } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const SQUARES = join(ROOT, 'examples', 'squares.ts');
const RECORD = join(FIXTURES, 'record.ts');
const BINS = ['tm-master', 'tm-slave', 'tm-spawn', 'tm-run'] as const;

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

/** Runs `bin` and expects a usage error: exit 2 and one line on stderr, no stack trace. */
async function expectUsageError(bin: string, args: readonly string[], pattern: RegExp): Promise<Proc> {
  const proc = runBin(bin, args, { cwd: dir.path, env: { TM_RECORD: join(dir.path, 'record.txt') } });
  expect(await proc.exited, proc.stderr).toEqual({ code: 2, signal: null });
  const lines = proc.stderr.trimEnd().split('\n');
  expect(lines, proc.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${bin}: `));
  expect(lines[0]).toMatch(pattern);
  expect(proc.stderr).not.toMatch(/^\s+at /m);
  return proc;
}

describe('usage errors: one line, exit 2', () => {
  it.each([
    ['tm-run', 'a missing module', ['nope.ts', '1'], /cannot find task module `nope\.ts`/],
    ['tm-master', 'a missing module', ['nope.ts'], /cannot find task module `nope\.ts`/],
    ['tm-slave', 'a missing module', ['nope.ts'], /cannot find task module `nope\.ts`/],
    ['tm-run', 'a missing export', [`${SQUARES}:nope`, '1'], /no function export `nope`/],
    ['tm-master', 'a missing export', [`${SQUARES}:nope`], /no function export `nope`/],
    ['tm-slave', 'a missing export', [`${SQUARES}:nope`], /no function export `nope`/],
    ['tm-run', 'a word that is not key=value', [SQUARES, '1', 'n=10', 'oops'], /`key=value`.*`oops`/],
    ['tm-master', 'a word that is not key=value', [SQUARES, 'oops'], /`key=value`.*`oops`/],
    ['tm-run', '--size 0', [SQUARES, '1', '--size', '0'], /`--size`.*`0`/],
    ['tm-run', '--size abc', [SQUARES, '1', '--size', 'abc'], /`--size`/],
    ['tm-master', '--lease 0', [SQUARES, '--lease', '0'], /`--lease`.*`0`/],
    ['tm-slave', '--threads 0', [SQUARES, '--threads', '0'], /`--threads`.*`0`/],
    ['tm-run', '--concurrency over the most', [SQUARES, '2', '--concurrency', '70000'], /`--concurrency` to be an integer from 1 to 65536, got `70000`/],
    ['tm-slave', '--max-credit 0', [SQUARES, '--max-credit', '0'], /`--max-credit`.*`0`/],
    ['tm-slave', '--give-up-after -1', [SQUARES, '--give-up-after', '-1'], /`--give-up-after`.*`-1`/],
    ['tm-slave', '--give-up-after soon', [SQUARES, '--give-up-after', 'soon'], /`--give-up-after`.*`soon`/],
    ['tm-run', 'an unknown flag', [SQUARES, '1', '--frobnicate'], /Unknown argument: frobnicate/],
    ['tm-slave', 'an unknown flag', [SQUARES, '--frobnicate'], /Unknown argument: frobnicate/],
    ['tm-run', 'a bad N', [SQUARES, 'x'], /N\b/],
    ['tm-run', 'N = 0', [SQUARES, '0'], /N\b.*`0`/],
    ['tm-spawn', 'a bad N', [SQUARES, 'x'], /N\b/],
    ['tm-spawn', 'N = 0', [SQUARES, '0'], /N\b.*`0`/],
    ['tm-spawn', 'no N', [SQUARES], /count/],
    ['tm-spawn', 'N = 0 of shipped code', ['0'], /N\b.*`0`/],
    ['tm-slave', 'two modules', [SQUARES, SQUARES], /Too many words/],
    ['tm-master', 'no module', [], /task module/],
    ['tm-master', 'a non-loopback address without --insecure', [SQUARES, '--address', 'tcp://0.0.0.0:*'], /tcp:\/\/0\.0\.0\.0:\*.*--insecure/],
    ['tm-run', 'a non-loopback address without --insecure', [SQUARES, '1', '--address', 'tcp://0.0.0.0:*'], /tcp:\/\/0\.0\.0\.0:\*.*--insecure/],
    ['tm-master', 'a non-loopback address without CURVE, saying why and naming the keys', [SQUARES, '--address', 'tcp://0.0.0.0:*'], /refusing to bind tcp:\/\/0\.0\.0\.0:\* without CURVE: anyone who reaches it could take jobs.*unencrypted; pass --curve-secret and --authorized-keys \(see tm-keygen\)/],
    ['tm-slave', 'an address without a scheme', [SQUARES, '--address', '127.0.0.1:3050'], /`--address`.*`127\.0\.0\.1:3050` \(did you mean `tcp:\/\/127\.0\.0\.1:3050`\?\)$/],
    ['tm-slave', 'an address without a port', [SQUARES, '--address', 'tcp://127.0.0.1'], /`--address` to be tcp:\/\/host:port .*port from 1 to 65535.*`tcp:\/\/127\.0\.0\.1`/],
    ['tm-slave', 'an address with a free-port star, which only a master can bind', [SQUARES, '--address', 'tcp://127.0.0.1:*'], /`--address`.*port from 1 to 65535/],
    ['tm-spawn', 'an address without a scheme (once, not once per slave and restart)', [SQUARES, '2', '--address', '127.0.0.1:3050'], /did you mean `tcp:\/\/127\.0\.0\.1:3050`/],
    ['tm-spawn', 'an address without a port', [SQUARES, '2', '--address', 'tcp://127.0.0.1'], /`--address`.*port from 1 to 65535/],
    ['tm-run', 'an address without a port', [SQUARES, '1', '--address', 'tcp://127.0.0.1'], /`--address` to be tcp:\/\/host:port .*or \* for a free one/],
    ['tm-master', 'an address without a scheme', [SQUARES, '--address', '127.0.0.1:3050'], /did you mean `tcp:\/\/127\.0\.0\.1:3050`/],
    ['tm-run', 'a mistyped flag, with the nearest one', [SQUARES, '1', '--szie', '3'], /Unknown argument: szie; did you mean --size\?$/],
    ['tm-spawn', 'a mistyped kebab-case flag, named once', [SQUARES, '2', '--max-credti', '3'], /Unknown argument: max-credti; did you mean --max-credit\?$/],
    ['tm-slave', 'a mistyped flag among others', [SQUARES, '--frobnicate', '--threds', '2'], /Unknown arguments: frobnicate, threds; did you mean --threads\?$/],
    ['tm-run', '--max-credit 0 (a slave flag it passes on)', [SQUARES, '1', '--max-credit', '0'], /`--max-credit`.*`0`/],
    ['tm-spawn', '--max-credit 0 (a slave flag it passes on)', [SQUARES, '2', '--max-credit', '0'], /`--max-credit`.*`0`/],
  ] as const)('%s: %s', async (bin, _what, args, pattern) => {
    await expectUsageError(bin, args, pattern);
  });

  it('tm-run: a checkpoint that belongs to other args names --reset, and --reset starts over', async () => {
    const state = join(dir.path, 'same-file.state.json');
    const env = { TM_RECORD: join(dir.path, 'record.txt') };
    const first = runBin('tm-run', [RECORD, '1', 'n=10', '--threads', '1', '--state', state, '--no-progress'], { cwd: dir.path, env });
    expect(await first.exited, first.stderr).toEqual({ code: 0, signal: null });

    await expectUsageError('tm-run', [RECORD, '1', 'n=20', '--threads', '1', '--state', state, '--no-progress'], /belongs to another run.*n=10.*n=20.*--reset/);
    await expectUsageError('tm-master', [`${RECORD}:countJobs`, 'n=10', '--state', state, '--no-progress'], /belongs to another run.*--reset/);

    const reset = runBin('tm-run', [RECORD, '1', 'n=20', '--threads', '1', '--state', state, '--reset', '--no-progress'], { cwd: dir.path, env });
    expect(await reset.exited, reset.stderr).toEqual({ code: 0, signal: null });
    expect(reset.stdout).toMatch(/finished: 20 jobs done/);
  });
});

describe('--help and --version', () => {
  it.each(BINS)('%s: -h is --help', async (bin) => {
    const short = runBin(bin, ['-h'], { cwd: dir.path });
    const long = runBin(bin, ['--help'], { cwd: dir.path });
    expect(await short.exited, short.stderr).toEqual({ code: 0, signal: null });
    expect(await long.exited).toEqual({ code: 0, signal: null });
    expect(short.stdout).toBe(long.stdout);
  });

  it.each(BINS)('%s answers both with exit 0', async (bin) => {
    const help = runBin(bin, ['--help'], { cwd: dir.path });
    const version = runBin(bin, ['--version'], { cwd: dir.path });
    expect(await help.exited).toEqual({ code: 0, signal: null });
    expect(await version.exited).toEqual({ code: 0, signal: null });
    expect(help.stdout).toMatch(new RegExp(`^${bin} \\[?module`));
    expect(help.stdout).toMatch(/--address/);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

/** tm-run --hosts's usage errors: one line naming the bad word, exit 2, no ssh started, nothing touched. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const dir = useTestDir();

describe('tm-run --hosts', () => {
  it.each([
    [['--hosts', 'h1,,h2'], 'tm-run: Expected each `--hosts` entry to be [user@]host[:count], got `` (in `h1,,h2`)\n'],
    [['--hosts', 'h1:0'], 'tm-run: Expected the slave count of `--hosts` entry `h1:0` to be an integer >= 1, got `0`\n'],
    [['--hosts', 'h1', '--ssh', "ssh -F 'x"], "tm-run: Expected `--ssh` to be a command line, got `ssh -F 'x`: its ' quote is not closed\n"],
    [['--hosts', 'h1', '--connect-address', 'a b'], 'tm-run: Expected `--connect-address` to be a host name or IP address, got `a b`\n'],
    [['--local'], 'tm-run: --local needs --hosts: without it every slave runs on this host already\n'],
  ])('refuses %j in one line, exit 2', async (flags, line) => {
    const run = runBin('tm-run', [RECORD, '2', 'n=10', '--state', join(dir.path, 'r.json'), '--no-progress', ...flags], { cwd: dir.path });
    expect(await run.exited).toEqual({ code: 2, signal: null });
    expect(run.stderr).toBe(line);
    expect(existsSync(join(dir.path, 'r.json'))).toBe(false);
  });
});

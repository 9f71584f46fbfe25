import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const dir = useTestDir();

/** A master with no slave: it answers STATUS, and waits (the test ends it). */
async function idleMaster(): Promise<string> {
  const address = `tcp://127.0.0.1:${await reservePort()}`;
  const master = runBin('tm-master', [RECORD, 'n=50', '--address', address, '--state', join(dir.path, 's.json'), '--no-progress'], { cwd: dir.path });
  await master.waitFor(/listening on/);
  return address;
}

describe('tm-status --watch', () => {
  it('prints the table again every second until Ctrl-C, then exits 0', async () => {
    const address = await idleMaster();
    const watch = runBin('tm-status', ['--address', address, '--watch'], { cwd: dir.path });
    await expect.poll(() => watch.stdout.match(/^run /gm)?.length ?? 0, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    watch.child.kill('SIGINT');
    expect(await watch.exited, watch.stderr).toEqual({ code: 0, signal: null });
    expect(watch.stdout).toMatch(/done 0 \/ 50 \(0\.0%\).*\n.*\n\nno slave connected\n/);
  });

  it('prints one JSON object a line with --json', async () => {
    const address = await idleMaster();
    const watch = runBin('tm-status', ['--address', address, '--watch', '--json'], { cwd: dir.path });
    await expect.poll(() => watch.stdout.split('\n').filter(Boolean).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    watch.child.kill('SIGINT');
    expect(await watch.exited, watch.stderr).toEqual({ code: 0, signal: null });
    const [first] = watch.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { fn: string; totals: { total: number }; slaves: unknown[] });
    expect(first).toMatchObject({ fn: 'getJobs', totals: { total: 50 }, slaves: [] });
  });
});

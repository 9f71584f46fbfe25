import { existsSync } from 'node:fs';
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

/** A master with no slave on a port of the OS's choosing, its state in the default place: findable only by its endpoint file. */
async function unnamedMaster(n: number): Promise<ReturnType<typeof runBin>> {
  const master = runBin('tm-master', [RECORD, `n=${n}`, '--address', 'tcp://127.0.0.1:*', '--no-progress'], { cwd: dir.path });
  await master.waitFor(/listening on/);
  return master;
}

describe('tm-status with no --address', () => {
  it('finds every run under ./.taskmaster by the endpoint its master wrote beside its state, and shows each', async () => {
    const masters = [await unnamedMaster(50), await unnamedMaster(70)];

    const status = runBin('tm-status', [], { cwd: dir.path });

    expect(await status.exited, status.stderr).toEqual({ code: 0, signal: null });
    const labels = status.stdout.match(/^run \.taskmaster\/record-getJobs-\w+\.state\.json \(pid \d+ on .*, tcp:\/\/127\.0\.0\.1:\d+\)$/gm);
    expect(labels).toHaveLength(2);
    expect(status.stdout).toMatch(/done 0 \/ 50 /);
    expect(status.stdout).toMatch(/done 0 \/ 70 /);
    for (const master of masters) expect(status.stdout).toContain(`pid ${master.child.pid} `);
    const json = runBin('tm-status', ['--json'], { cwd: dir.path });
    expect(await json.exited, json.stderr).toEqual({ code: 0, signal: null });
    const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { state: string; totals: { total: number } });
    expect(lines.map((line) => line.totals.total).sort()).toEqual([50, 70]);
    expect(lines.every((line) => line.state.startsWith(join(dir.path, '.taskmaster')))).toBe(true);
  });

  it('asks the run of --state, and its endpoint file is gone once the run ends', async () => {
    const master = await unnamedMaster(50);
    const [state] = [...master.stderr.matchAll(/state (\S+\.state\.json)/g)].map((m) => m[1]!);
    expect(existsSync(`${state}.endpoint`)).toBe(true);

    const status = runBin('tm-status', ['--state', state!], { cwd: dir.path });

    expect(await status.exited, status.stderr).toEqual({ code: 0, signal: null });
    expect(status.stdout).toMatch(/done 0 \/ 50 /);
    master.child.kill('SIGTERM');
    await master.exited;
    expect(existsSync(`${state}.endpoint`)).toBe(false);
    const after = runBin('tm-status', ['--state', state!], { cwd: dir.path });
    expect(await after.exited).toEqual({ code: 3, signal: null });
    expect(after.stderr).toBe(`tm-status: no master is running state file ${state}: there is no ${state}.endpoint, which a master writes beside its state while it runs\n`);
  });

  it('says a master killed with -9 is gone, rather than asking it, and exits 3 when no run answers', async () => {
    const master = await unnamedMaster(50);
    master.child.kill('SIGKILL');
    await master.exited;

    const status = runBin('tm-status', [], { cwd: dir.path });

    expect(await status.exited).toEqual({ code: 3, signal: null });
    expect(status.stderr).toMatch(new RegExp(`^tm-status: run \\.taskmaster/record-getJobs-\\w+\\.state\\.json \\(pid ${master.child.pid} on .*\\): its master \\(pid ${master.child.pid}\\) is gone; a killed master left .*\\.endpoint\\n$`));
  });

  it('without runs there, asks the default address and says where it looked', async () => {
    const status = runBin('tm-status', ['--timeout', '200'], { cwd: dir.path });

    expect(await status.exited).toEqual({ code: 3, signal: null });
    expect(status.stderr).toBe('tm-status: no master answered at tcp://127.0.0.1:3050 within 200 ms; and no run under ./.taskmaster wrote its endpoint there (pass --address, or --state)\n');
  });
});

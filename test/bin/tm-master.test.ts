import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';

const SQUARES = join(ROOT, 'examples', 'squares.ts');

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

/** Runs a master on `bind` and a slave on `connect` through 10 jobs; returns the master once both have exited 0. */
async function runTen(bind: string, connect: string, flags: readonly string[] = []) {
  const master = runBin('tm-master', [SQUARES, 'n=10', '--address', bind, '--state', join(dir.path, 's.json'), '--no-progress', ...flags], { cwd: dir.path });
  await master.waitFor(/listening on/);
  const slave = runBin('tm-slave', [SQUARES, '--threads', '1', '--address', connect], { cwd: dir.path });
  expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
  expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
  return master;
}

describe('tm-master', () => {
  it('says once where it listens, and gives no --insecure warning on loopback', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const master = await runTen(address, address);

    const output = master.stdout + master.stderr;
    expect(output.match(/listening on/g), output).toHaveLength(1);
    expect(output).toContain(`listening on ${address}`);
    expect(output).not.toMatch(/warning/);
  });

  it('warns on one line that --insecure exposes a non-loopback address unencrypted', async () => {
    const port = await reservePort();
    const master = await runTen(`tcp://0.0.0.0:${port}`, `tcp://127.0.0.1:${port}`, ['--insecure']);

    const warnings = master.stderr.split('\n').filter((line) => /warning/.test(line));
    expect(warnings, master.stderr).toEqual([`tm-master: warning: --insecure: tcp://0.0.0.0:${port} can be reached from other hosts, and jobs and results travel unencrypted`]);
  });
});

describe('tm-master on a port in use', () => {
  it('says another master may be running there, and how to pick another port: one line, exit 2', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const first = runBin('tm-master', [SQUARES, '--address', address, '--state', join(dir.path, 'a.json'), '--no-progress'], { cwd: dir.path });
    await first.waitFor(/listening on/);

    const second = runBin('tm-master', [SQUARES, '--address', address, '--state', join(dir.path, 'b.json'), '--no-progress'], { cwd: dir.path });

    expect(await second.exited).toEqual({ code: 2, signal: null });
    expect(second.stderr).toBe(
      `tm-master: cannot bind ${address}: Address already in use; another master may be running there (tm-status --address ${address} asks it): pass --address with another port, or a port of the OS's choosing (tcp://127.0.0.1:*)\n`,
    );
  });
});

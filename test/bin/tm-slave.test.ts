import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runBin } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { useTestDir } from '../helpers/test-dir.js';

const SQUARES = join(ROOT, 'examples', 'squares.ts');

/** A fresh temp dir per test; every process a test starts is ended after it. */
const dir = useTestDir();

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('tm-slave with no master', () => {
  it('says at once which address it tries, once, then warns with it every 10 s', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const slave = runBin('tm-slave', [SQUARES, '--threads', '1', '--address', address], { cwd: dir.path });

    await slave.waitFor(new RegExp(`warn: no master has answered at ${escaped(address)} for 10 s; still trying`));
    const told = slave.stderr.split('\n').filter((line) => line.includes(address));
    expect(told, slave.stderr).toEqual([expect.stringMatching(new RegExp(`\\] waiting for a master at ${escaped(address)}; still trying$`)), expect.stringMatching(/for 10 s; still trying$/)]);
  }, 30_000);

  it('with --give-up-after, exits 3 with one last line once no master has answered for that long', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const slave = runBin('tm-slave', [SQUARES, '--threads', '1', '--address', address, '--give-up-after', '1500'], { cwd: dir.path });

    expect(await slave.exited, slave.stderr).toEqual({ code: 3, signal: null });
    expect(slave.stdout).toBe('tm-slave: 0 jobs run, 0 failed; gave up: no master answered for 1500 ms (--give-up-after)\n');
    expect(slave.stderr).toMatch(new RegExp(`error: giving up: no master has answered at ${escaped(address)} for 1500 ms \\(--give-up-after\\)\n$`));
  }, 30_000);

  it('with --give-up-after, exits 3 once its master was killed -9 and none came back', async () => {
    const master = runBin('tm-master', [SQUARES, 'n=100000000', '--address', 'tcp://127.0.0.1:*', '--state', join(dir.path, 's.json'), '--no-progress'], { cwd: dir.path });
    const [, endpoint] = await master.waitFor(/listening on (tcp:\/\/[^\s;]+)/);
    const slave = runBin('tm-slave', [SQUARES, '--threads', '1', '--address', endpoint!, '--give-up-after', '1500'], { cwd: dir.path });
    await slave.waitFor(/welcomed by run/);

    master.child.kill('SIGKILL');
    await master.exited;
    expect(await slave.exited, slave.stderr).toEqual({ code: 3, signal: null });
    expect(slave.stdout).toMatch(/^tm-slave: \d+ jobs run, 0 failed; gave up: no master answered for 1500 ms \(--give-up-after\)\n$/);
  }, 30_000);

  it('logs under its --name, as the master names it', async () => {
    const master = runBin('tm-master', [SQUARES, 'n=100000000', '--address', 'tcp://127.0.0.1:*', '--state', join(dir.path, 's.json'), '--no-progress'], { cwd: dir.path });
    const [, endpoint] = await master.waitFor(/listening on (tcp:\/\/[^\s;]+)/);
    const slave = runBin('tm-slave', [SQUARES, '--threads', '1', '--address', endpoint!, '--name', 's1'], { cwd: dir.path });

    await slave.waitFor(/\[slave s1\] welcomed by run/);
    await master.waitFor(/slave s1 joined/);
  }, 30_000);

  it('says within a second that its master went away when it was killed -9, then every 10 s', async () => {
    const master = runBin('tm-master', [SQUARES, 'n=100000000', '--address', 'tcp://127.0.0.1:*', '--state', join(dir.path, 's.json'), '--no-progress'], { cwd: dir.path });
    const [, endpoint] = await master.waitFor(/listening on (tcp:\/\/[^\s;]+)/);
    const slave = runBin('tm-slave', [SQUARES, '--threads', '1', '--address', endpoint!], { cwd: dir.path });
    await slave.waitFor(/welcomed by run/);

    master.child.kill('SIGKILL');
    await master.exited;
    await slave.waitFor(new RegExp(`warn: no master has answered at ${escaped(endpoint!)} for 10 s; still trying`));
    expect(slave.child.exitCode).toBeNull();
    // Said within a second, not 10 s later: the first warning comes as the connection drops.
    const warnings = slave.stderr.split('\n').filter((line) => line.includes('warn:'));
    expect(warnings.slice(0, 2)).toEqual([
      expect.stringMatching(new RegExp(`warn: lost the connection to our master at ${escaped(endpoint!)} \\(it stopped, or cannot be reached\\); still trying$`)),
      expect.stringMatching(/warn: no master has answered at .* for 10 s; still trying$/),
    ]);
  }, 30_000);

  // Well before the 10 s warning: the first word comes after a second.
  it('names a host that does not resolve, as it keeps trying it', async () => {
    const slave = runBin('tm-slave', [SQUARES, '--threads', '1', '--address', 'tcp://no-such-host.invalid:3050'], { cwd: dir.path });

    await slave.waitFor(/waiting for a master at tcp:\/\/no-such-host\.invalid:3050; still trying/);
    expect(slave.child.exitCode).toBeNull();
  }, 8_000);
});

describe('a standalone tm-slave', () => {
  it('ends with one line of what it ran, once the master says the run is over', async () => {
    const master = runBin('tm-master', [SQUARES, 'n=10', '--address', 'tcp://127.0.0.1:*', '--state', join(dir.path, 's.json'), '--no-progress'], { cwd: dir.path });
    const [, endpoint] = await master.waitFor(/listening on (tcp:\/\/[^\s;]+)/);
    const slave = runBin('tm-slave', [SQUARES, '--threads', '1', '--address', endpoint!], { cwd: dir.path });

    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(slave.stdout).toBe('tm-slave: 10 jobs run, 0 failed; the run is over\n');
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
  });
});

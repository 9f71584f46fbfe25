/**
 * tm-status against a master with more than 50 slaves: 60 DEALER sockets that say HELLO and
 * PING as slaves do (real ZeroMQ, the project's encoders; test/helpers/fake-fleet.ts), on 4
 * hosts, one on other code. The table is
 * read back from a real terminal: tmux runs tm-status in a window 100 columns wide.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeFleet, racks } from '../helpers/fake-fleet.js';
import { FIXTURES, killAll, ROOT, runBin, tempDir } from '../helpers/processes.js';

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
// Locally a missing tmux skips these tests (with one line); in CI it fails them.
if (!HAS_TMUX && !process.env.CI) process.stderr.write('test/bin/tm-status-fleet: skipped, tmux is not installed (apt-get install -y tmux)\n');

const WIDTH = 100;
const TM_STATUS = join(ROOT, 'dist', 'bin', 'tm-status.js');
const CODE = 'c'.repeat(64);
const OTHER = 'd'.repeat(64);
const HOSTS = 4;
const PER_HOST = 15;

/** tm-status with `args` in a tmux window of its own, `WIDTH` columns wide; resolves with its screen's lines (scrollback too, wrapped rows joined). */
async function onScreen(args: string): Promise<string[]> {
  const socket = `tm-status-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const env = { ...process.env };
  delete env.TMUX;
  const tmux = (...words: string[]): string => execFileSync('tmux', ['-L', socket, ...words], { encoding: 'utf8', env });
  tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(WIDTH), '-y', '30', '-c', ROOT, `node ${TM_STATUS} ${args}; printf 'EXITED %s\\n' $?; sleep 60`);
  const socketPath = tmux('display-message', '-p', '#{socket_path}').trim();
  try {
    const screen = (): string => tmux('capture-pane', '-p', '-J', '-S', '-');
    await expect.poll(screen, { timeout: 30_000, interval: 100 }).toMatch(/^EXITED \d+$/m);
    const lines = screen().split('\n').map((line) => line.trimEnd());
    while (lines.at(-1) === '') lines.pop();
    return lines;
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    rmSync(socketPath, { force: true });
  }
}

describe.skipIf(!HAS_TMUX && !process.env.CI)('tm-status with more than 50 slaves', () => {
  // One master and its 60 peers for the file's tests, which only ask: ended after the last.
  let dir: ReturnType<typeof tempDir>;
  let address: string;
  let fleet: FakeFleet | undefined;

  beforeAll(async () => {
    dir = tempDir();
    const master = runBin('tm-master', [join(FIXTURES, 'record.ts'), 'n=1000', '--address', 'tcp://127.0.0.1:*', '--state', join(dir.path, 's.json'), '--no-progress'], { cwd: dir.path });
    address = (await master.waitFor(/listening on (tcp:\/\/\S+?);/))[1]!;
    // Slave ids are host:pid: rack-1:100 … rack-4:159; rack-3:130 runs other code.
    fleet = await FakeFleet.join(address, racks(HOSTS, PER_HOST, CODE, { index: 30, code: OTHER }));
  }, 60_000);

  afterAll(async () => {
    await fleet?.close();
    await killAll();
    dir.remove();
  });

  it('shows a row per host and the slave that needs attention, no row wider than the terminal', async () => {
    const lines = await onScreen(`--address ${address}`);
    const screen = lines.join('\n');
    expect(lines.at(-1), screen).toBe('EXITED 0');
    for (const line of lines) expect(line.length, `wider than ${WIDTH} columns: ${JSON.stringify(line)}`).toBeLessThanOrEqual(WIDTH);
    const at = lines.indexOf('60 slaves on 4 hosts, by host:');
    expect(at, screen).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^host +slaves +lanes +in flight +done +failed +jobs\/s +last seen +code$/);
    for (let host = 1; host <= HOSTS; host++) {
      const code = host === 3 ? 'cccccccccccc \\+1 other' : 'cccccccccccc';
      expect(lines[at + 1 + host]).toMatch(new RegExp(`^rack-${host} +15 +120 +0 +0 +0 +0 +\\d+\\.\\d s ago +${code}$`));
    }
    expect(lines.slice(at + 6, at + 11)).toEqual([
      '',
      'needs attention: 1 slave (1 on other code):',
      expect.stringMatching(/^slave +in flight +failed +last seen +code +why$/),
      expect.stringMatching(/^rack-3:130 +0 +0 +\d+\.\d s ago +dddddddddddd +other code$/),
      '',
    ]);
    expect(lines[at + 11]).toBe('60 slaves summarised (past 50): tm-status --all-slaves prints a row each, --json all');
    // No row of its own for any slave but the one that stands out.
    expect(lines.filter((line) => /^rack-\d+:\d+ /.test(line))).toHaveLength(1);
  });

  it('prints a row for every slave with --all-slaves, and every slave in --json', async () => {
    const lines = await onScreen(`--address ${address} --all-slaves`);
    const rows = lines.filter((line) => /^rack-\d+:\d+ /.test(line));
    expect(rows.map((row) => row.split(' ')[0]).sort()).toEqual(racks(HOSTS, PER_HOST, CODE).map(({ host, pid }) => `${host}:${pid}`).sort());
    expect(lines.join('\n')).not.toContain('summarised');

    const json = runBin('tm-status', ['--address', address, '--json'], { cwd: dir.path });
    expect(await json.exited, json.stderr).toEqual({ code: 0, signal: null });
    const report = JSON.parse(json.stdout) as { slaves: Array<{ id: string; bundle?: string }> };
    expect(report.slaves).toHaveLength(HOSTS * PER_HOST);
    expect(report.slaves.filter((slave) => slave.bundle === OTHER).map((slave) => slave.id)).toEqual(['rack-3:130']);
  });
});

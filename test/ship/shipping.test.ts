/**
 * Code shipping through the real bins: a `tm-master --ship` bundles its handler, and slaves
 * started with no module, in a directory where the module is not, fetch it and run it (on
 * loopback, and over CURVE); a slave refuses code from a master reached without CURVE; a slave
 * running other code is refused at HELLO, naming both hashes, unless --allow-skew.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { bundleModule } from '../../src/ship/bundle.js';
import { HostilePeer } from '../helpers/hostile-peer.js';
import { FIXTURES, runBin, type Proc } from '../helpers/processes.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { useTestDir } from '../helpers/test-dir.js';

const dir = useTestDir();
const peers: HostilePeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});

/** A project dir of the master's (record.ts copied in) and an empty one for the slaves, apart. */
function dirs(): { master: string; slave: string; record: string } {
  const master = join(dir.path, 'master-host');
  const slave = join(dir.path, 'slave-host');
  mkdirSync(master);
  mkdirSync(slave);
  copyFileSync(join(FIXTURES, 'record.ts'), join(master, 'record.ts'));
  return { master, slave, record: join(dir.path, 'record.txt') };
}

/** Starts `tm-master record.ts n=<n> --ship …` in `cwd`; resolves with it and the endpoint it listens on. */
async function shippingMaster(cwd: string, n: number, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ master: Proc; endpoint: string }> {
  const master = runBin('tm-master', ['record.ts', `n=${n}`, '--ship', '--address', 'tcp://127.0.0.1:*', '--state', join(cwd, 's.json'), '--no-progress', ...args], { cwd, env });
  const [, endpoint] = await master.waitFor(/listening on (\S+);/);
  return { master, endpoint: endpoint! };
}

/** The code dirs under `cwd`/.taskmaster. */
function codeDirs(cwd: string): string[] {
  const parent = join(cwd, '.taskmaster');
  return existsSync(parent) ? readdirSync(parent).filter((name) => name.startsWith('code-')) : [];
}

describe('tm-master --ship with slaves started with no module', () => {
  it('runs every job once on loopback, from a slave whose cwd has no module, and removes the code when the slave ends', async () => {
    const { master: masterDir, slave: slaveDir, record } = dirs();
    // The generator holds until both slaves joined, so that neither joins a run already over.
    const go = join(dir.path, 'go');
    const { master, endpoint } = await shippingMaster(masterDir, 300, [], { TM_RECORD: record, TM_HOLD_UNTIL: go });
    const [, sha12] = await master.waitFor(/shipping record\.ts \([\d.]+ kB, sha256 ([0-9a-f]{12})\)/);
    const slaves = [1, 2].map((k) => runBin('tm-slave', ['--address', endpoint, '--threads', '1', '--name', `shipped-${k}`], { cwd: slaveDir, env: { TM_RECORD: record } }));
    await Promise.all([master.waitFor(/slave shipped-1 joined/), master.waitFor(/slave shipped-2 joined/)]);
    writeFileSync(go, '');
    for (const slave of slaves) expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(tally(readRecord(record), range(300))).toMatchObject({ missing: [], reran: [] });
    for (const slave of slaves) expect(slave.stderr).toContain(`running the code the master shipped (`);
    expect(slaves[0]!.stderr).toMatch(new RegExp(`sha256 ${sha12}\\), its \`handleJob\``));
    expect(codeDirs(slaveDir)).toEqual([]);
    expect(existsSync(join(slaveDir, 'record.ts'))).toBe(false);
  });

  it('keeps the code in a private directory while the slave runs, shows its hash in tm-status, and removes it on SIGTERM', async () => {
    const { master: masterDir, slave: slaveDir, record } = dirs();
    // The generator holds until this file exists: the slave stays connected with nothing to do.
    const { master, endpoint } = await shippingMaster(masterDir, 10, [], { TM_RECORD: record, TM_HOLD_UNTIL: join(dir.path, 'never') });
    const { sha256 } = await bundleModule('record.ts', { cwd: masterDir });
    const slave = runBin('tm-slave', ['--address', endpoint, '--threads', '1', '--name', 'held'], { cwd: slaveDir, env: { TM_RECORD: record } });
    await master.waitFor(/slave held joined/);
    const [code] = codeDirs(slaveDir);
    expect(code).toMatch(new RegExp(`^code-${sha256.slice(0, 12)}-\\w{6}$`));
    const codeDir = join(slaveDir, '.taskmaster', code!);
    expect(statSync(codeDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(codeDir, 'handler.mjs')).equals((await bundleModule('record.ts', { cwd: masterDir })).code)).toBe(true);
    const status = runBin('tm-status', ['--address', endpoint], { cwd: masterDir });
    expect(await status.exited, status.stderr).toEqual({ code: 0, signal: null });
    expect(status.stdout).toMatch(new RegExp(`\\nheld +\\S+ +\\d+ +1 × 1 .* ${sha256.slice(0, 12)}\\n?$`));
    slave.child.kill('SIGTERM');
    expect(await slave.exited).toEqual({ code: 143, signal: null });
    expect(codeDirs(slaveDir)).toEqual([]);
    master.child.kill('SIGTERM');
    await master.exited;
  });

  it('runs the shipped code over CURVE, from the server key the slave pinned', async () => {
    const { master: masterDir, slave: slaveDir, record } = dirs();
    for (const name of ['master', 'slave']) {
      const keygen = runBin('tm-keygen', ['--out', join(dir.path, name)], { cwd: dir.path });
      expect(await keygen.exited, keygen.stderr).toEqual({ code: 0, signal: null });
    }
    const curve = ['--curve-secret', join(dir.path, 'master.key'), '--authorized-keys', join(dir.path, 'slave.pub')];
    const { master, endpoint } = await shippingMaster(masterDir, 200, curve, { TM_RECORD: record });
    const slave = runBin('tm-slave', ['--address', endpoint, '--threads', '1', '--curve-secret', join(dir.path, 'slave.key'), '--server-key', join(dir.path, 'master.pub')], { cwd: slaveDir, env: { TM_RECORD: record } });
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(tally(readRecord(record), range(200))).toMatchObject({ missing: [], reran: [] });
    expect(codeDirs(slaveDir)).toEqual([]);
  });

  it('is refused by a slave that reaches it without CURVE on a non-loopback address, in one line, before it asks', async () => {
    const ip = Object.values(networkInterfaces())
      .flat()
      .find((net) => net !== undefined && net.family === 'IPv4' && !net.internal)?.address;
    if (ip === undefined) {
      console.log('skipped: this host has no non-loopback IPv4 address to reach the master by');
      return;
    }
    const { master: masterDir, slave: slaveDir } = dirs();
    const master = runBin('tm-master', ['record.ts', 'n=10', '--ship', '--insecure', '--address', 'tcp://0.0.0.0:*', '--state', join(masterDir, 's.json'), '--no-progress'], { cwd: masterDir });
    const [, port] = await master.waitFor(/listening on tcp:\/\/0\.0\.0\.0:(\d+);/);
    const address = `tcp://${ip}:${port}`;
    const slave = runBin('tm-slave', ['--address', address, '--threads', '1'], { cwd: slaveDir });
    expect(await slave.exited).toEqual({ code: 2, signal: null });
    expect(slave.stderr).toBe(
      `tm-slave: refusing to run code from ${address}: a master reached without CURVE could be anyone, and shipped code runs with this slave's rights; pass --server-key (with --curve-secret), or start the slave with its own module\n`,
    );
    expect(slave.stdout).toBe('');
    // The master would not have handed it out either: on such a bind it gives code to no one.
    const peer = new HostilePeer(`tcp://127.0.0.1:${port}`, 'asks-for-code');
    peers.push(peer);
    expect(await peer.ask({ command: 'FETCH', version: PROTOCOL_VERSION }, 'REJECT')).toEqual({
      command: 'REJECT',
      reason: 'this master ships code only over CURVE or on a loopback address: start it with --curve-secret, or start the slave with its own module',
      rehello: false,
    });
    master.child.kill('SIGTERM');
    await master.exited;
  });

  it('refuses a FETCH when it ships nothing, and the slave says why in one line', async () => {
    const { master: masterDir, slave: slaveDir } = dirs();
    const master = runBin('tm-master', ['record.ts', 'n=10', '--address', 'tcp://127.0.0.1:*', '--state', join(masterDir, 's.json'), '--no-progress'], { cwd: masterDir });
    const [, endpoint] = await master.waitFor(/listening on (\S+);/);
    const slave = runBin('tm-slave', ['--address', endpoint!, '--threads', '1'], { cwd: slaveDir });
    expect(await slave.exited).toEqual({ code: 2, signal: null });
    expect(slave.stderr).toMatch(/(?:^|\n)tm-slave: the master at \S+ sent no code: this master ships no code: start the master with --ship, or start the slave with its own module\n$/);
    expect(codeDirs(slaveDir)).toEqual([]);
    master.child.kill('SIGTERM');
    await master.exited;
  });
});

describe('a slave with its own module, of a master that ships', () => {
  it('is refused at HELLO when its code differs, naming both hashes, and admitted with --allow-skew', async () => {
    const { master: masterDir, slave: slaveDir, record } = dirs();
    writeFileSync(join(slaveDir, 'record.ts'), `${readFileSync(join(FIXTURES, 'record.ts'), 'utf8')}\n// yesterday's handler\nexport const version = 1;\n`);
    const [ours, theirs] = await Promise.all([bundleModule('record.ts', { cwd: masterDir }), bundleModule('record.ts', { cwd: slaveDir })]);
    const { master, endpoint } = await shippingMaster(masterDir, 50, [], { TM_RECORD: record });
    const skewed = runBin('tm-slave', ['record.ts', '--address', endpoint, '--threads', '1', '--name', 'old'], { cwd: slaveDir, env: { TM_RECORD: record } });
    expect(await skewed.exited).toEqual({ code: 2, signal: null });
    const why = `this slave runs code ${theirs.sha256.slice(0, 12)} but the master ships ${ours.sha256.slice(0, 12)}`;
    expect(skewed.stderr).toContain(`the master refused us: ${why}; update the slave's module, start it with no module to run the shipped code, or pass --allow-skew`);
    expect(master.stderr).toContain(`refused slave old: ${why}`);
    expect(readRecord(record)).toEqual([]);

    const allowed = runBin('tm-slave', ['record.ts', '--address', endpoint, '--threads', '1', '--name', 'old', '--allow-skew'], { cwd: slaveDir, env: { TM_RECORD: record } });
    expect(await allowed.exited, allowed.stderr).toEqual({ code: 0, signal: null });
    expect(await master.exited).toEqual({ code: 0, signal: null });
    expect(master.stderr).toContain(`slave old: ${why} (admitted: --allow-skew)`);
    expect(tally(readRecord(record), range(50))).toMatchObject({ missing: [], reran: [] });
  });

  it('is admitted when its module is the same code, checked out elsewhere', async () => {
    const { master: masterDir, slave: slaveDir, record } = dirs();
    copyFileSync(join(FIXTURES, 'record.ts'), join(slaveDir, 'record.ts'));
    const { master, endpoint } = await shippingMaster(masterDir, 50, ['--allow-skew=false'], { TM_RECORD: record });
    const slave = runBin('tm-slave', ['record.ts', '--address', endpoint, '--threads', '1'], { cwd: slaveDir, env: { TM_RECORD: record } });
    expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
    expect(await master.exited).toEqual({ code: 0, signal: null });
    expect(master.stderr).not.toMatch(/runs code/);
  });
});

/**
 * CURVE on loopback, through the real bins: keys from tm-keygen, a master that admits only its
 * listed slaves, slaves that are refused and retry, tm-status against a live run, and tm-run's
 * own throwaway keys.
 */
import { appendFileSync, chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin, type Proc } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
const dir = useTestDir();

async function keygen(name: string): Promise<{ key: string; pub: string; publicKey: string }> {
  const proc = runBin('tm-keygen', ['--out', name], { cwd: dir.path });
  expect(await proc.exited, proc.stderr).toEqual({ code: 0, signal: null });
  const pub = join(dir.path, `${name}.pub`);
  return { key: join(dir.path, `${name}.key`), pub, publicKey: readFileSync(pub, 'utf8').split(' ')[0]! };
}

function slave(address: string, name: string, key: string, serverPub: string, env: NodeJS.ProcessEnv = {}): Proc {
  const args = [RECORD, '--address', address, '--threads', '1', '--concurrency', '4', '--name', name, '--curve-secret', key, '--server-key', serverPub];
  return runBin('tm-slave', args, { cwd: dir.path, env: { TM_RECORD: join(dir.path, 'record.txt'), TM_RECORD_PID: '1', ...env } });
}

describe('tm-keygen', () => {
  it('writes NAME.key (mode 0600) and NAME.pub, and refuses to overwrite them', async () => {
    const first = runBin('tm-keygen', ['--out', 'node-a'], { cwd: dir.path });
    expect(await first.exited, first.stderr).toEqual({ code: 0, signal: null });
    expect(first.stdout).toMatch(/^tm-keygen: wrote node-a\.key \(the secret key: keep it on this host\) and node-a\.pub \(the public key \S{40}\)\n$/);
    expect(statSync(join(dir.path, 'node-a.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir.path, 'node-a.pub'), 'utf8')).toMatch(/^\S{40} node-a@\S+\n$/);
    const again = runBin('tm-keygen', ['--out', 'node-a'], { cwd: dir.path });
    expect(await again.exited).toEqual({ code: 2, signal: null });
    expect(again.stderr).toBe('tm-keygen: node-a.key already exists: remove it, or pick another --out\n');
  });

  it('names its files taskmaster.key and taskmaster.pub unless told', async () => {
    await keygen('taskmaster');
    const plain = runBin('tm-keygen', [], { cwd: dir.path });
    expect(await plain.exited).toEqual({ code: 2, signal: null });
    expect(plain.stderr).toMatch(/taskmaster\.key already exists/);
  });
});

describe('a CURVE master', () => {
  it('serves its listed slaves on a non-loopback address, refuses others until listed, and answers tm-status', async () => {
    const [master, good, late, impostor] = [await keygen('master'), await keygen('good'), await keygen('late'), await keygen('impostor')];
    chmodSync(master.key, 0o644);
    const keys = join(dir.path, 'authorized_keys');
    writeFileSync(keys, `# who may take jobs\n${readFileSync(good.pub, 'utf8')}`);
    const port = await reservePort();
    const address = `tcp://127.0.0.1:${port}`;
    const jobs = 3000;
    const m = runBin('tm-master', [RECORD, `n=${jobs}`, '--address', `tcp://0.0.0.0:${port}`, '--state', join(dir.path, 's.json'), '--no-progress', '--curve-secret', master.key, '--authorized-keys', keys], { cwd: dir.path });
    await m.waitFor(/listening on/);
    expect(m.stderr).toContain(`warning: the secret key ${master.key} (--curve-secret) can be read by group or others (mode 0644): run chmod 600 ${master.key}`);
    expect(m.stderr).not.toMatch(/--insecure/);

    const slow = { TM_ASYNC_MS: '20' };
    const lateSlave = slave(address, 'late-1', late.key, master.pub, slow);
    await lateSlave.waitFor(/the master at \S+ refused our key \S+ \(handshake:error:auth, ZAP 400\): add it to the master's --authorized-keys/);
    const confused = slave(address, 'confused-1', good.key, impostor.pub, slow);
    await confused.waitFor(/the CURVE handshake with \S+ failed 3 times in a row/);
    const goodSlave = slave(address, 'good-1', good.key, master.pub, slow);
    await m.waitFor(/slave good-1 joined/);

    const status = runBin('tm-status', ['--address', address, '--curve-secret', good.key, '--server-key', master.pub], { cwd: dir.path });
    expect(await status.exited, status.stderr).toEqual({ code: 0, signal: null });
    expect(status.stdout).toMatch(new RegExp(`^run +[0-9a-f]{16}  ${RECORD.replace(/[.\\/]/g, '\\$&')}:getJobs n=${jobs}\\n`));
    expect(status.stdout).toMatch(/\nslave +host +pid +threads × conc +in flight +done +failed +jobs\/s +last seen +code\ngood-1 +\S+ +\d+ +1 × 4 /);
    const json = runBin('tm-status', ['--address', address, '--curve-secret', good.key, '--server-key', master.pub, '--json'], { cwd: dir.path });
    expect(await json.exited, json.stderr).toEqual({ code: 0, signal: null });
    const report = JSON.parse(json.stdout) as { fn: string; totals: { total: number }; slaves: Array<{ id: string; threads: number; concurrency: number }> };
    expect(report).toMatchObject({ fn: 'getJobs', totals: { total: jobs }, slaves: [{ id: 'good-1', threads: 1, concurrency: 4 }] });
    // An unlisted key gets no answer either.
    const nosy = runBin('tm-status', ['--address', address, '--curve-secret', late.key, '--server-key', master.pub], { cwd: dir.path });
    expect(await nosy.exited).toEqual({ code: 3, signal: null });
    expect(nosy.stderr).toMatch(/^tm-status: the master at \S+ refused our key \S+ \(handshake:error:auth\): add it to the master's --authorized-keys\n$/);

    // Listed now: it gets in on its next try, with no restart.
    appendFileSync(keys, readFileSync(late.pub, 'utf8'));
    await m.waitFor(/slave late-1 joined/);
    expect(await m.exited, m.stderr).toEqual({ code: 0, signal: null });
    for (const s of [goodSlave, lateSlave]) expect(await s.exited, s.stderr).toEqual({ code: 0, signal: null });
    const lines = readRecord(join(dir.path, 'record.txt'));
    expect(lines.some((line) => line.pid === lateSlave.child.pid)).toBe(true);
    expect(lines.some((line) => line.pid === confused.child.pid)).toBe(false);
    expect(m.stderr).not.toMatch(/slave confused-1 joined/);
    const t = tally(lines, range(jobs));
    expect([t.missing, t.reran]).toEqual([[], []]);
  });

  it('refuses --curve-secret without --authorized-keys, and a slave’s key without the server’s', async () => {
    const master = await keygen('master');
    const m = runBin('tm-master', [RECORD, '--curve-secret', master.key], { cwd: dir.path });
    expect(await m.exited).toEqual({ code: 2, signal: null });
    expect(m.stderr).toBe('tm-master: --curve-secret needs --authorized-keys: a file of the public keys of the slaves to admit, one a line\n');
    const s = runBin('tm-slave', [RECORD, '--curve-secret', master.key], { cwd: dir.path });
    expect(await s.exited).toEqual({ code: 2, signal: null });
    expect(s.stderr).toBe('tm-slave: --curve-secret needs --server-key: the master’s public key file (its NAME.pub)\n');
  });
});

describe('tm-status', () => {
  it('exits 3 with one line when no master answers within --timeout', async () => {
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const status = runBin('tm-status', ['--address', address, '--timeout', '300'], { cwd: dir.path });
    expect(await status.exited).toEqual({ code: 3, signal: null });
    expect(status.stderr).toBe(`tm-status: no master answered at ${address} within 300 ms\n`);
    expect(status.stdout).toBe('');
  });
});

describe('tm-run with --curve-secret', () => {
  it('makes throwaway keys for its own slaves, which the master admits', async () => {
    const master = await keygen('master');
    const run = runBin('tm-run', [RECORD, '2', 'n=500', '--threads', '1', '--curve-secret', master.key, '--state', join(dir.path, 'r.json'), '--no-progress'], {
      cwd: dir.path,
      env: { TM_RECORD: join(dir.path, 'record.txt') },
    });
    expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.stderr).toMatch(/CURVE on: admitting the 1 keys of the keys this command trusts/);
    expect(run.stdout).toMatch(/finished: 500 jobs done/);
    expect(tally(readRecord(join(dir.path, 'record.txt')), range(500)).missing).toEqual([]);
  });
});

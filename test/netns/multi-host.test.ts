/**
 * Runs across hosts: network namespaces joined by veth links to a bridge (test/helpers/netns.ts),
 * the master on one host and slaves on others, over TCP with CURVE. One lab for the whole file;
 * each test its own keys, state and record. Needs root and iproute2: without them these tests
 * are skipped locally, and fail under CI.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPublicKey, writeKeyPair } from '../../src/curve/keys.js';
import { Lab, labUnavailable } from '../helpers/netns.js';
import { FIXTURES, runBin, type Proc } from '../helpers/processes.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { readStateFields } from '../helpers/state.js';
import { useTestDir } from '../helpers/test-dir.js';

const RECORD = join(FIXTURES, 'record.ts');
/** Any port: each namespace has a network stack of its own. */
const PORT = 3050;
const unavailable = labUnavailable();

if (unavailable !== undefined && !process.env.CI) process.stderr.write(`test/netns: skipped, network namespaces unavailable (${unavailable}); run as root with iproute2\n`);

describe.runIf(unavailable !== undefined && process.env.CI)('network namespaces under CI', () => {
  it('are available: CI must run the multi-host tests', () => {
    expect.fail(`CI cannot make network namespaces (${unavailable}): .ci/run installs iproute2 and runs as root`);
  });
});

describe.skipIf(unavailable !== undefined)('across hosts, over TCP with CURVE', () => {
  let lab: Lab;
  const dir = useTestDir();

  beforeAll(async () => {
    lab = await Lab.create('mh', ['master', 'a', 'b', 'far'], { far: { delayMs: 20, lossPercent: 1 } });
  });
  afterAll(() => lab?.remove());

  /** Key pairs for the master and the slaves named, and an authorized-keys file listing `authorized`. */
  function keys(names: readonly string[], authorized: readonly string[]): Record<string, { key: string; pub: string }> {
    const out: Record<string, { key: string; pub: string }> = {};
    for (const name of ['master', ...names]) {
      const { secretFile, publicFile } = writeKeyPair(join(dir.path, name));
      out[name] = { key: secretFile, pub: publicFile };
    }
    const lines = authorized.map((name) => `${readPub(out[name]!.pub)}\n`).join('');
    writeFileSync(join(dir.path, 'authorized_keys'), `# the slaves of this test\n${lines}`);
    return out;
  }

  const readPub = (file: string): string => readPublicKey(file, 'server-key');

  function master(jobs: number, keyFile: string, flags: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Proc {
    const address = `tcp://${lab.host('master').address}:${PORT}`;
    const args = [RECORD, `n=${jobs}`, '--address', address, '--state', join(dir.path, 'run.state.json'), '--no-progress'];
    args.push('--curve-secret', keyFile, '--authorized-keys', join(dir.path, 'authorized_keys'), ...flags);
    return runBin('tm-master', args, { cwd: dir.path, env, netns: lab.host('master').netns });
  }

  function slave(host: string, name: string, key: string, serverPub: string, env: NodeJS.ProcessEnv = {}, flags: readonly string[] = []): Proc {
    const args = [RECORD, '--address', `tcp://${lab.host('master').address}:${PORT}`, '--threads', '1', '--name', name];
    args.push('--curve-secret', key, '--server-key', serverPub, ...flags);
    const recordEnv = { TM_RECORD: join(dir.path, 'record.txt'), TM_RECORD_PID: '1', ...env };
    return runBin('tm-slave', args, { cwd: dir.path, env: recordEnv, netns: lab.host(host).netns });
  }

  const record = (): ReturnType<typeof readRecord> => readRecord(join(dir.path, 'record.txt'));
  const ranOn = (proc: Proc): number => record().filter((line) => line.pid === proc.child.pid).length;

  async function finishes(m: Proc, jobs: number): Promise<void> {
    expect(await m.exited, m.stderr).toEqual({ code: 0, signal: null });
    expect(m.stdout).toMatch(new RegExp(`finished: ${jobs} jobs done, 0 dead-lettered`));
    expect(readStateFields(join(dir.path, 'run.state.json'))).toMatchObject({ finished: true, ledger: { watermark: jobs, failed: 0 } });
  }

  it('runs every job exactly once with the master on one host and slaves on two others', async () => {
    const k = keys(['a', 'b'], ['a', 'b']);
    // The generator holds its jobs until both slaves have joined: a slave that joined after the
    // last job would wait for a QUIT no master is left to send, and a loaded machine may be slow.
    const slow = { TM_ASYNC_MS: '2' };
    const slaves = [slave('a', 'slave-a', k.a!.key, k.master!.pub, slow, ['--concurrency', '2']), slave('b', 'slave-b', k.b!.key, k.master!.pub, slow, ['--concurrency', '2'])];
    const go = join(dir.path, 'go');
    const m = master(3000, k.master!.key, [], { TM_HOLD_UNTIL: go });
    await Promise.all([m.waitFor(/slave slave-a joined/), m.waitFor(/slave slave-b joined/)]);
    writeFileSync(go, '');
    await finishes(m, 3000);
    for (const s of slaves) expect(ranOn(s), `${s.stderr}\n${m.stderr}`).toBeGreaterThan(0);
    for (const s of slaves) expect(await s.exited, s.stderr).toEqual({ code: 0, signal: null });
    expect(m.stderr).toMatch(/CURVE on: admitting 2 keys/);
    expect(m.stderr).toMatch(/slave slave-a joined/);
    expect(m.stderr).toMatch(/slave slave-b joined/);
    const t = tally(record(), range(3000));
    expect([t.missing, t.reran]).toEqual([[], []]);
  });

  it('gives a slave whose key is not listed no job, and says so on both sides; the run is unchanged', async () => {
    const k = keys(['a', 'rogue'], ['a']);
    const m = master(1000, k.master!.key);
    await m.waitFor(/listening on/);
    const rogue = slave('b', 'rogue', k.rogue!.key, k.master!.pub);
    await rogue.waitFor(/refused our key .* \(handshake:error:auth/);
    await m.waitFor(new RegExp(`refused a peer at ${lab.host('b').address.replace(/\./g, '\\.')}: its CURVE key \\S+ is not in`));
    const good = slave('a', 'slave-a', k.a!.key, k.master!.pub);
    await finishes(m, 1000);
    expect(await good.exited, good.stderr).toEqual({ code: 0, signal: null });
    expect(ranOn(rogue)).toBe(0);
    expect(m.stderr).not.toMatch(/slave rogue joined/);
    // Logged once per address per minute, however often it tried (the master's last word may count the rest).
    expect(m.stderr.match(/\] warn: refused a peer at 10\.231\.77\.3: its CURVE key/g)).toHaveLength(1);
    const t = tally(record(), range(1000));
    expect([t.missing, t.reran]).toEqual([[], []]);
  });

  it('gives a slave with the wrong server key nothing', async () => {
    const k = keys(['a', 'b', 'impostor'], ['a', 'b']);
    const m = master(1000, k.master!.key);
    await m.waitFor(/listening on/);
    // Its own key is listed, but it trusts another master's public key.
    const confused = slave('b', 'confused', k.b!.key, k.impostor!.pub);
    await confused.waitFor(/the CURVE handshake with \S+ failed \d+ times in a row/);
    await m.waitFor(/refused a peer whose CURVE handshake failed \(ERR_ZMTP_CRYPTOGRAPHIC\)/);
    const good = slave('a', 'slave-a', k.a!.key, k.master!.pub);
    await finishes(m, 1000);
    expect(await good.exited, good.stderr).toEqual({ code: 0, signal: null });
    expect(ranOn(confused)).toBe(0);
    expect(m.stderr).not.toMatch(/slave confused joined/);
  });

  it('requeues the jobs of a slave whose link is cut past its lease, and lets it rejoin when it is back, no job counted twice', async () => {
    const k = keys(['a', 'b'], ['a', 'b']);
    const jobs = 2000;
    const go = join(dir.path, 'go-cut');
    const m = master(jobs, k.master!.key, ['--lease', '1500'], { TM_HOLD_UNTIL: go });
    await m.waitFor(/listening on/);
    const slow = { TM_ASYNC_MS: '10' };
    const a = slave('a', 'slave-a', k.a!.key, k.master!.pub, slow, ['--concurrency', '2']);
    const b = slave('b', 'slave-b', k.b!.key, k.master!.pub, slow, ['--concurrency', '2']);
    // Jobs only once both have joined: one that joined after the last job would wait for a QUIT for ever.
    await Promise.all([m.waitFor(/slave slave-a joined/), m.waitFor(/slave slave-b joined/)]);
    writeFileSync(go, '');
    await expect.poll(() => ranOn(a), { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(100);
    lab.cut('a');
    await m.waitFor(/warn: slave slave-a gone: silent for more than 1500 ms \(lease\)/);
    await m.waitFor(/\d+ in-flight jobs back in the buffer from slave-a: silent/);
    const beforeRestore = ranOn(a);
    lab.restore('a');
    await expect.poll(() => m.stderr.match(/slave slave-a joined/g)?.length ?? 0, { timeout: 30_000, interval: 50 }).toBe(2);
    await expect.poll(() => ranOn(a), { timeout: 30_000, interval: 50 }).toBeGreaterThan(beforeRestore);
    await finishes(m, jobs);
    for (const s of [a, b]) expect(await s.exited, s.stderr).toEqual({ code: 0, signal: null });
    // Some of a's jobs may have run twice (once before the cut, once elsewhere), but each was recorded once.
    expect(tally(record(), range(jobs)).missing).toEqual([]);
  });

  it('loses nothing when the master’s host loses its link for a few seconds', async () => {
    const k = keys(['a', 'b'], ['a', 'b']);
    const jobs = 2000;
    const go = join(dir.path, 'go-outage');
    const m = master(jobs, k.master!.key, ['--lease', '1500'], { TM_HOLD_UNTIL: go });
    await m.waitFor(/listening on/);
    const slow = { TM_ASYNC_MS: '10' };
    const slaves = [slave('a', 'slave-a', k.a!.key, k.master!.pub, slow, ['--concurrency', '2']), slave('b', 'slave-b', k.b!.key, k.master!.pub, slow, ['--concurrency', '2'])];
    await Promise.all([m.waitFor(/slave slave-a joined/), m.waitFor(/slave slave-b joined/)]);
    writeFileSync(go, '');
    await expect.poll(() => record().length, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(200);
    lab.cut('master');
    // The outage itself is what this test injects: a fixed length of time, not a wait for an event.
    await delay(3000);
    lab.restore('master');
    await finishes(m, jobs);
    for (const s of slaves) expect(await s.exited, s.stderr).toEqual({ code: 0, signal: null });
    expect(tally(record(), range(jobs)).missing).toEqual([]);
  });

  it('completes a run exactly once over a link with 20 ms of delay and 1% loss', async () => {
    const k = keys(['far'], ['far']);
    const jobs = 1000;
    const m = master(jobs, k.master!.key);
    await m.waitFor(/listening on/);
    const far = slave('far', 'slave-far', k.far!.key, k.master!.pub, {}, ['--max-credit', '200']);
    await finishes(m, jobs);
    expect(await far.exited, far.stderr).toEqual({ code: 0, signal: null });
    expect(m.stderr).not.toMatch(/gone: silent/);
    const t = tally(record(), range(jobs));
    expect([t.missing, t.reran]).toEqual([[], []]);
  });
});

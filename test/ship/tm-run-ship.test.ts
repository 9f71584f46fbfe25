/**
 * Shipping from tm-run and to tm-spawn: `tm-run --ship` ships its slaves' handler (its own slaves
 * still load the file, and never load esbuild; a plain tm-run loads it nowhere), and `tm-spawn N`
 * runs N slaves of the code a master ships.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runBin } from '../helpers/processes.js';
import { range, readRecord, tally } from '../helpers/record.js';
import { useTestDir } from '../helpers/test-dir.js';

const dir = useTestDir();

/** A task module (plain ESM, so that no tsx, and so no esbuild, is loaded for it) recording each job to TM_RECORD. */
const MODULE = `import { appendFileSync } from 'node:fs';
export function* getJobs(last = 0, args = {}) {
  for (let i = last; i < Number(args.n ?? 100); i++) yield i;
}
export function handleJob(i) {
  appendFileSync(process.env.TM_RECORD, \`\${i}\\n\`);
}
`;

/** The pids that imported esbuild, as the spy recorded them. */
function esbuildPids(log: string): number[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

describe('tm-run and esbuild', () => {
  it('loads esbuild nowhere without --ship, and with it only in the master, not in its own slaves', async () => {
    writeFileSync(join(dir.path, 'squares.mjs'), MODULE);
    const log = join(dir.path, 'esbuild.log');
    const env = { NODE_OPTIONS: `--import ${join(FIXTURES, 'esbuild-spy.mjs')}`, TM_ESBUILD_LOG: log };
    const plain = runBin('tm-run', ['squares.mjs', '2', 'n=100', '--no-progress', '--state', 'plain.json'], { cwd: dir.path, env: { ...env, TM_RECORD: join(dir.path, 'plain.txt') } });
    expect(await plain.exited, plain.stderr).toEqual({ code: 0, signal: null });
    expect(tally(readRecord(join(dir.path, 'plain.txt')), range(100))).toMatchObject({ missing: [], reran: [] });
    expect(esbuildPids(log)).toEqual([]);

    const shipping = runBin('tm-run', ['squares.mjs', '2', 'n=100', '--no-progress', '--state', 'ship.json', '--ship'], { cwd: dir.path, env: { ...env, TM_RECORD: join(dir.path, 'ship.txt') } });
    expect(await shipping.exited, shipping.stderr).toEqual({ code: 0, signal: null });
    expect(shipping.stderr).toMatch(/shipping squares\.mjs \([\d.]+ kB, sha256 [0-9a-f]{12}\)/);
    expect(tally(readRecord(join(dir.path, 'ship.txt')), range(100))).toMatchObject({ missing: [], reran: [] });
    // The spy works (the master's bundling shows), and no slave of tm-run's paid for it.
    expect(new Set(esbuildPids(log))).toEqual(new Set([shipping.child.pid]));
  });
});

describe('tm-spawn N', () => {
  it('runs N slaves of the code a master ships, in a directory without the module', async () => {
    const [masterDir, slaveDir] = [join(dir.path, 'master-host'), join(dir.path, 'slave-host')];
    mkdirSync(masterDir);
    mkdirSync(slaveDir);
    const record = join(dir.path, 'record.txt');
    const go = join(dir.path, 'go');
    // The generator holds until both slaves joined, so that neither joins a run already over.
    const master = runBin('tm-master', [join(FIXTURES, 'record.ts'), 'n=400', '--ship', '--address', 'tcp://127.0.0.1:*', '--state', join(masterDir, 's.json'), '--no-progress'], {
      cwd: masterDir,
      env: { TM_RECORD: record, TM_HOLD_UNTIL: go },
    });
    const [, endpoint] = await master.waitFor(/listening on (\S+);/);
    const spawn = runBin('tm-spawn', ['2', '--address', endpoint!, '--threads', '1', '--name', 'fetched'], { cwd: slaveDir, env: { TM_RECORD: record } });
    await Promise.all([master.waitFor(/slave fetched-1 joined/), master.waitFor(/slave fetched-2 joined/)]);
    writeFileSync(go, '');
    expect(await master.exited, master.stderr).toEqual({ code: 0, signal: null });
    expect(await spawn.exited, spawn.stderr).toEqual({ code: 0, signal: null });
    expect(tally(readRecord(record), range(400))).toMatchObject({ missing: [], reran: [] });
    expect(spawn.stderr.match(/running the code the master shipped/g)).toHaveLength(2);
  });
});

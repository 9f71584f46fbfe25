import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PORTS_DIR_ENV, portReserver, reservePort } from './helpers/ports.js';
import { ROOT } from './helpers/processes.js';
import { useTestDir } from './helpers/test-dir.js';

const PORTS = pathToFileURL(join(ROOT, 'test', 'helpers', 'ports.ts')).href;

/** Runs a process that reserves `count` ports from `dir`, starting at LOW, and resolves with them. */
async function reserveInChild(dir: string, count: number): Promise<number[]> {
  const script = `import { LOW, portReserver } from '${PORTS}';
const reserve = portReserver(process.argv[1], LOW);
const ports = [];
for (let i = 0; i < ${count}; i++) ports.push(await reserve());
process.stdout.write(JSON.stringify(ports));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  return JSON.parse(stdout) as number[];
}

describe('test port reservations', () => {
  const dir = useTestDir();

  it('never hands one port to two processes sharing the claims directory, even from the same start', async () => {
    const [a, b] = await Promise.all([reserveInChild(dir.path, 100), reserveInChild(dir.path, 100)]);
    expect(a).toHaveLength(100);
    expect(b).toHaveLength(100);
    expect(new Set([...a!, ...b!]).size).toBe(200);
  });

  it('skips a port that something outside the run is listening on', async () => {
    const taken = await reservePort();
    const server = createServer();
    server.listen(taken, '127.0.0.1');
    await once(server, 'listening');
    try {
      expect(await portReserver(dir.path, taken)()).not.toBe(taken);
      expect(existsSync(join(dir.path, String(taken)))).toBe(true);
    } finally {
      server.close();
    }
  });

  it('claims in the directory that global setup shared with every worker', async () => {
    const shared = process.env[PORTS_DIR_ENV];
    expect(shared).toBeTruthy();
    const port = await reservePort();
    expect(existsSync(join(shared!, String(port)))).toBe(true);
  });
});

/** The process line-ups the bench times: the engine's real bins, and the baselines with no engine code. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKeyPair } from '../../src/curve/keys.js';
import type { Topology } from './measure.js';

const BENCH = fileURLToPath(new URL('..', import.meta.url));
export const DIST_BIN = path.join(BENCH, '..', 'dist', 'bin');
const BASELINE = path.join(BENCH, 'baseline');

/** A bench task module, `bench/tasks/<name>.ts` (or `.mjs`, plain JavaScript). */
export function taskModule(name: string, ext: '.ts' | '.mjs' = '.ts'): string {
  return path.join(BENCH, 'tasks', `${name}${ext}`);
}

export interface SlaveSpec {
  readonly threads: number;
  /** Jobs per thread at once (lanes): a slave runs `threads × concurrency` jobs at a time. */
  readonly concurrency: number;
}

export interface EngineRun {
  readonly task: string;
  /** The task module's extension: `.mjs` loads no tsx. @default '.ts' */
  readonly ext?: '.ts' | '.mjs';
  readonly jobs: number;
  readonly slaves: readonly SlaveSpec[];
  /** For the slaves, e.g. where the task writes a trace. */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** CURVE on: key files made by `curveKeys`. @default off */
  readonly curve?: CurveKeys;
  /** Master and slaves in network namespaces, the master bound to `bind` (its host's address). @default all on loopback */
  readonly hosts?: { readonly master: string; readonly slaves: string; readonly bind: string };
}

/** Key files for a CURVE run: the master's pair, a slave's pair, and the list that admits the slave. */
export interface CurveKeys {
  readonly masterKey: string;
  readonly masterPub: string;
  readonly slaveKey: string;
  readonly authorizedKeys: string;
}

/** Writes a master's and a slave's key pair into `dir`, the slave's public key as the master's whole list. */
export function curveKeys(dir: string): CurveKeys {
  const master = writeKeyPair(path.join(dir, 'master'));
  const slave = writeKeyPair(path.join(dir, 'slave'));
  return { masterKey: master.secretFile, masterPub: master.publicFile, slaveKey: slave.secretFile, authorizedKeys: slave.publicFile };
}

/** `tm-master` and `tm-slave`s as a user starts them: a free loopback port, fresh state, no progress bar. */
export function engine(run: EngineRun): Topology {
  const module = taskModule(run.task, run.ext);
  return {
    producer: {
      name: 'tm-master',
      script: path.join(DIST_BIN, 'tm-master.js'),
      args: (dir) => [module, `n=${run.jobs}`, '--address', run.hosts?.bind ?? 'tcp://127.0.0.1:*', '--state', path.join(dir, 'state.json'), '--reset', '--no-progress', ...masterCurve(run.curve)],
      ...(run.hosts && { netns: run.hosts.master }),
    },
    consumers: run.slaves.map((slave, i) => ({
      name: `tm-slave#${i + 1}`,
      script: path.join(DIST_BIN, 'tm-slave.js'),
      args: (endpoint) => [module, '--address', endpoint, '--threads', String(slave.threads), '--concurrency', String(slave.concurrency), ...slaveCurve(run.curve)],
      ...(run.env && { env: run.env }),
      ...(run.hosts && { netns: run.hosts.slaves }),
    })),
    jobs: run.jobs,
    timeoutMs: run.timeoutMs,
  };
}

function masterCurve(keys: CurveKeys | undefined): string[] {
  return keys === undefined ? [] : ['--curve-secret', keys.masterKey, '--authorized-keys', keys.authorizedKeys];
}

function slaveCurve(keys: CurveKeys | undefined): string[] {
  return keys === undefined ? [] : ['--curve-secret', keys.slaveKey, '--server-key', keys.masterPub];
}

/** The floor: the raw data movement (generator, JSON batches over ROUTER/DEALER, a piscina pool, acks). */
export function floor(task: string, jobs: number, threads: number, timeoutMs: number, wire: FloorWire = JSON_1000): Topology {
  const module = taskModule(task);
  return {
    producer: { name: 'floor-producer', script: path.join(BASELINE, 'floor-producer.mjs'), args: () => [`module=${module}`, `n=${jobs}`, `batch=${wire.batch}`, `codec=${wire.codec}`] },
    consumers: [
      { name: 'floor-consumer', script: path.join(BASELINE, 'floor-consumer.mjs'), args: (endpoint) => [`module=${module}`, `address=${endpoint}`, `threads=${threads}`, `codec=${wire.codec}`] },
    ],
    jobs,
    timeoutMs,
  };
}

/** The task's jobs in one process, `concurrency` at a time, with no pool and no socket. */
export function inline(task: string, jobs: number, concurrency: number, timeoutMs: number): Topology {
  return single('baseline-inline', 'inline.mjs', [`module=${taskModule(task)}`, `n=${jobs}`, `concurrency=${concurrency}`], jobs, timeoutMs);
}

/** The task's jobs in chunks on a bare piscina pool of `threads` threads, in one process. */
export function pool(task: string, jobs: number, threads: number, timeoutMs: number): Topology {
  return single('baseline-pool', 'pool.mjs', [`module=${taskModule(task)}`, `n=${jobs}`, `threads=${threads}`], jobs, timeoutMs);
}

/** How the floor sends its jobs: batches of `batch`, encoded with `codec`. */
export interface FloorWire {
  readonly batch: number;
  readonly codec: 'json' | 'msgpack';
}

/** The first floor: JSON batches of 1000. */
export const JSON_1000: FloorWire = { batch: 1000, codec: 'json' };
/** The floor at the engine's own wire: msgpack batches of 4000, the most the master sends at once. */
export const MSGPACK_4000: FloorWire = { batch: 4000, codec: 'msgpack' };

/** `tm-run` as a user types it, `N` slaves on this host: one process to time from start to exit. */
export function tmRun(module: string, jobs: number, slaves: number, timeoutMs: number): Topology {
  const args = [module, String(slaves), `n=${jobs}`, '--no-progress', '--reset'];
  return { producer: { name: 'tm-run', script: path.join(DIST_BIN, 'tm-run.js'), args: (dir) => [...args, '--state', path.join(dir, 'state.json')] }, consumers: [], jobs, timeoutMs };
}

/**
 * The bare script of tm-run's shape, no engine code: a parent that binds a ROUTER, spawns one
 * child and loads the task module; the child loads zeromq and piscina (`threads` threads), connects
 * and runs the jobs sent as msgpack batches of 4000, one task each.
 */
export function bareRun(module: string, jobs: number, threads: number, timeoutMs: number): Topology {
  const wire = MSGPACK_4000;
  return single('floor-producer', 'floor-producer.mjs', [`module=${module}`, `n=${jobs}`, `spawn=${threads}`, `batch=${wire.batch}`, `codec=${wire.codec}`], jobs, timeoutMs);
}

function single(name: string, script: string, args: readonly string[], jobs: number, timeoutMs: number): Topology {
  return { producer: { name, script: path.join(BASELINE, script), args: () => args }, consumers: [], jobs, timeoutMs };
}

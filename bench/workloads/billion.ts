/**
 * billion (opt-in: `--only billion`, `--billion-jobs N` for fewer): no-op jobs through tm-master
 * and one tm-slave with 2 threads, the master killed with SIGKILL five times along the way (at
 * done counts spread evenly over the run, as it reports them) and restarted on the same
 * state, the slave left to reconnect. Then the state must say finished, every seq done. A clean
 * run (no kills) in the same invocation is the baseline: target killed <= 1.15 x clean.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { queryStatus } from '../../src/status/status-client.js';
import { Child } from '../lib/child.js';
import { measure } from '../lib/measure.js';
import { CORES, round, type Row, type Settings } from '../lib/report.js';
import { makeTempDir, removeTempDir } from '../lib/temp.js';
import { engine, taskModule } from '../lib/topologies.js';

const KILLS = 5;
const TARGET = 1.15;
const SLAVE = { threads: 2, concurrency: 1 } as const;
const POLL_MS = 100;
const DIST_BIN = path.join(path.dirname(taskModule('noop')), '..', '..', 'dist', 'bin');

/** The part of a state file the run reads: how far it got. */
interface StateView {
  readonly watermark: number;
  readonly doneAbove: number;
  readonly failed: number;
  readonly finished: boolean;
}

export async function billion(settings: Settings): Promise<Row[]> {
  const jobs = settings.billionJobs;
  const timeoutMs = Math.max(10 * 60_000, (jobs / 1_000_000) * 2000);
  settings.log(`billion: a clean run of ${jobs.toLocaleString('en-US')} jobs`);
  const clean = await measure(engine({ task: 'noop', jobs, slaves: [SLAVE], timeoutMs }));
  settings.log(`billion clean: ${clean.wallSeconds.toFixed(1)} s spawn to exit, RSS ${clean.producerRssMb.toFixed(0)} + ${clean.consumerRssMb.toFixed(0)} MB`);
  const killed = await killedRun(settings, jobs, timeoutMs);
  const ratio = killed.wallSeconds / clean.wallSeconds;
  return [
    {
      name: 'billion',
      jobs,
      runs: 1,
      seconds: round(killed.wallSeconds, 1),
      jobs_per_s: Math.round(jobs / killed.wallSeconds),
      baseline: 'the same run with no kill, in this invocation',
      baseline_jobs_per_s: Math.round(jobs / clean.wallSeconds),
      baseline_seconds: round(clean.wallSeconds, 1),
      baseline_master_peak_rss_mb: round(clean.producerRssMb, 1),
      baseline_slave_peak_rss_mb: round(clean.consumerRssMb, 1),
      ratio: round(ratio, 3),
      ratio_of: `wall s with ${KILLS} kill -9s of the master / wall s of the clean run (spawn to exit)`,
      target: `<= ${TARGET}, state finished with every seq done`,
      pass: ratio <= TARGET && killed.verified,
      kills: killed.kills,
      killed_at_done: killed.killedAt,
      reruns: killed.reruns,
      state_verified: killed.verified,
      master_peak_rss_mb: round(killed.masterPeakMb, 1),
      master_peak_rss_mb_per_incarnation: killed.incarnationPeaksMb.map((mb) => round(mb, 1)),
      slave_peak_rss_mb: round(killed.slavePeakMb, 1),
      slave_rss_mb_at_kills: killed.slaveRssAtKillsMb.map((mb) => round(mb, 1)),
      cores: CORES,
    },
  ];
}

interface KilledRun {
  readonly wallSeconds: number;
  readonly kills: number;
  readonly killedAt: number[];
  readonly reruns: number;
  readonly verified: boolean;
  readonly masterPeakMb: number;
  readonly incarnationPeaksMb: number[];
  readonly slavePeakMb: number;
  readonly slaveRssAtKillsMb: number[];
}

async function killedRun(settings: Settings, jobs: number, timeoutMs: number): Promise<KilledRun> {
  const dir = makeTempDir('tm-bench-billion-');
  const state = path.join(dir, 'state.json');
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const module = taskModule('noop');
  const masterArgs = [module, `n=${jobs}`, '--address', address, '--state', state, '--no-progress'];
  const startMaster = (): Child => new Child('tm-master', path.join(DIST_BIN, 'tm-master.js'), masterArgs, { cwd: dir });
  const children: Child[] = [];
  const timer = setTimeout(() => children.forEach((child) => child.kill()), timeoutMs);
  const started = performance.now();
  try {
    let master = startMaster();
    children.push(master);
    await master.waitFor('stderr', /listening on /);
    const slave = new Child('tm-slave', path.join(DIST_BIN, 'tm-slave.js'), [module, '--address', address, '--threads', String(SLAVE.threads), '--concurrency', String(SLAVE.concurrency)], { cwd: dir });
    children.push(slave);
    const incarnationPeaksMb: number[] = [];
    const killedAt: number[] = [];
    const slaveRssAtKillsMb: number[] = [];
    for (let k = 1; k <= KILLS; k++) {
      const point = Math.floor((jobs * k) / (KILLS + 1));
      const done = await doneReaches(state, address, point, master);
      master.sampleRss();
      incarnationPeaksMb.push(master.peakRssMb);
      slaveRssAtKillsMb.push(currentRssMb(slave.pid));
      master.kill();
      await master.exited;
      killedAt.push(done);
      settings.log(`billion: killed the master (-9) at ${done.toLocaleString('en-US')} done (${k}/${KILLS}), restarting it`);
      master = startMaster();
      children.push(master);
    }
    const summary = await master.waitFor('stdout', /finished: /);
    master.sampleRss();
    slave.sampleRss();
    const [masterCode, slaveCode] = await Promise.all([master.exited, slave.exited]);
    const wallSeconds = (performance.now() - started) / 1000;
    incarnationPeaksMb.push(master.peakRssMb);
    if (masterCode !== 0 || slaveCode !== 0) throw new Error(`billion: tm-master exited ${masterCode}, tm-slave ${slaveCode}\n${master.tail()}\n${slave.tail()}`);
    const ran = Number((await slave.waitFor('stdout', /(\d+) jobs run/)).match[1]);
    const final = readState(state);
    const verified = final !== undefined && final.finished && final.watermark === jobs && final.doneAbove === 0 && final.failed === 0;
    settings.log(`billion killed: ${wallSeconds.toFixed(1)} s, ${ran - jobs} re-runs, state ${verified ? 'finished with every seq done' : `NOT finished: ${JSON.stringify(final)}`}; last master: ${summary.line.text}`);
    return {
      wallSeconds,
      kills: killedAt.length,
      killedAt,
      reruns: ran - jobs,
      verified,
      masterPeakMb: Math.max(...incarnationPeaksMb),
      incarnationPeaksMb,
      slavePeakMb: slave.peakRssMb,
      slaveRssAtKillsMb,
    };
  } finally {
    clearTimeout(timer);
    children.forEach((child) => child.kill());
    await Promise.all(children.map((child) => child.exited));
    removeTempDir(dir);
  }
}

/**
 * Resolves with the done count once it reaches `point`: the watermark the master reports (a
 * STATUS, as tm-status asks: what it has appended to the state's log), or while it does not
 * answer, its state file's (a snapshot a second); rejects if the master ends first.
 */
async function doneReaches(state: string, address: string, point: number, master: Child): Promise<number> {
  let ended = false;
  void master.exited.then(() => (ended = true));
  for (;;) {
    const status = await queryStatus({ address, timeoutMs: 500 });
    const done = status.ok ? status.report.totals.watermark : (readState(state)?.watermark ?? 0);
    if (done >= point) return done;
    if (ended) throw new Error(`billion: the master ended at ${done} done, before ${point}\n${master.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The state file's progress; undefined while there is none (or it is being replaced). */
function readState(file: string): StateView | undefined {
  try {
    const body = JSON.parse(readFileSync(file, 'utf8')) as { ledger: { watermark: number; doneAbove: unknown[]; failed: number }; finished: boolean };
    return { watermark: body.ledger.watermark, doneAbove: body.ledger.doneAbove.length, failed: body.ledger.failed, finished: body.finished };
  } catch {
    return undefined;
  }
}

function currentRssMb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** A loopback port free now: the masters of the killed run all bind it, so the slave finds each. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

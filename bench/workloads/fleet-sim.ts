/**
 * fleet-sim (only with `--only fleet-sim`: a few minutes): what one real `tm-master` does with 10,
 * 100 and 1,000 slaves, simulated by two processes of DEALER sockets that speak the real protocol
 * (bench/lib/sim-slaves.mjs), so that a thousand slaves fit on two cores. Each shape: slaves ×
 * lanes (1, 8) × handler ms (0, 5); runs alternate shape by shape.
 * - jobs/s: from the file that lets the jobs go (every slave welcomed: bench/tasks/held-jobs.ts)
 *   to the master's summary line; the ratio is against the 10-slave shape of the same lanes and
 *   ms (target >= 0.8 at 1,000 slaves). With 5 ms handlers more slaves have more lanes, so
 *   `ideal_jobs_per_s` (lanes × 1000 / ms) says what the handlers allow.
 * - fairness: jobs per slave, min / median / max and the coefficient of variation.
 * - the master's CPU (user + sys from /proc/<pid>/stat over the timed window) and peak RSS
 *   (VmHWM; target < 200 MB).
 * - tm-status (the real bin, spawn to exit) and GET /status.json, asked once the run is going.
 * - lease: a lease run per slave count (8 lanes, 5 ms, `--lease 2000`) silences one slave while it
 *   holds jobs; the time from its going silent to the master's line that its jobs are back in the
 *   buffer (target: within the lease + 1 s).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Child, Seen } from '../lib/child.js';
import { checkEnd, inRun, LISTENING, SUMMARY } from '../lib/measure.js';
import { idealRate, key, LEASE_MS, leaseRow, row, type Shape, type SimEnd, type SimMeasure } from '../lib/fleet-sim-rows.js';
import { median, type Row, type Settings } from '../lib/report.js';
import { spread } from '../lib/spread.js';
import { DIST_BIN, taskModule } from '../lib/topologies.js';

const SIM = fileURLToPath(new URL('../lib/sim-slaves.mjs', import.meta.url));
const TIMEOUT_MS = 3 * 60_000;
/** How long after the master's exit every simulated slave should have had its QUIT. */
const QUIT_GRACE_MS = 5000;
/** What a master is assumed to reach, to size a run of quick jobs (a slower one just runs longer). */
const ASSUMED_MAX_JOBS_PER_S = 300_000;
const CLOCK_TICKS = 100;
const DASHBOARD = /dashboard at (http:\/\/\S+\/);/;
const execFileAsync = promisify(execFile);

function shapes(quick: boolean): Shape[] {
  const out: Shape[] = [];
  for (const ms of [0, 5]) for (const lanes of quick ? [8] : [1, 8]) for (const slaves of [10, 100, 1000]) out.push({ slaves, lanes, ms });
  return out;
}

/** Jobs for about `seconds` of work at what the handlers allow (or a master is assumed to do). */
function jobsFor(shape: Shape, seconds: number): number {
  const rate = Math.min(idealRate(shape) ?? Infinity, ASSUMED_MAX_JOBS_PER_S);
  return Math.max(20_000, Math.round((rate * seconds) / 1000) * 1000);
}

/** User + system seconds a process has run, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Asks while the run goes: five GET /status.json (the median), then tm-status as a user runs it. */
async function probe(url: string, endpoint: string): Promise<{ tmStatusS: number; statusJsonMs: number }> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await (await fetch(`${url}status.json`)).json();
    times.push(performance.now() - started);
  }
  const statusJsonMs = median(times);
  const started = performance.now();
  await execFileAsync(process.execPath, [path.join(DIST_BIN, 'tm-status.js'), '--address', endpoint], { maxBuffer: 64 * 1024 * 1024 });
  return { tmStatusS: (performance.now() - started) / 1000, statusJsonMs };
}

/** One run of `shape`: a master, two simulators, timed from the jobs' release to the summary. */
function simRun(shape: Shape, jobs: number, lease: boolean): Promise<SimMeasure> {
  const name = `fleet-sim ${shape.slaves}x${shape.lanes} ${shape.ms}ms${lease ? ' lease' : ''}`;
  return inRun(name, TIMEOUT_MS, async ({ dir, children, start }) => {
    const go = path.join(dir, 'go');
    const leaseFlags = lease ? ['--lease', String(LEASE_MS)] : [];
    const masterArgs = [taskModule('fleet-noop'), `n=${jobs}`, `go=${go}`, '--address', 'tcp://127.0.0.1:*', '--state', path.join(dir, 'state.json'), '--reset', '--no-progress', '--http', '127.0.0.1:0', ...leaseFlags];
    const master = start({ name: 'tm-master', script: path.join(DIST_BIN, 'tm-master.js'), args: () => masterArgs }, dir);
    const url = (await master.waitFor('stderr', DASHBOARD)).match[1]!;
    const endpoint = (await master.waitFor('stderr', LISTENING)).match[1]!;
    const processes = Math.min(2, shape.slaves);
    const sims: Child[] = [];
    for (let p = 0; p < processes; p++) {
      const count = Math.floor(shape.slaves / processes) + (p < shape.slaves % processes ? 1 : 0);
      const args = [endpoint, `s${p}`, String(count), String(shape.lanes), String(shape.ms), String(lease ? LEASE_MS : 30_000)];
      sims.push(start({ name: `sim-slaves ${p}`, script: SIM, args: () => args }, dir));
    }
    await Promise.all(sims.map((sim) => sim.waitFor('stderr', /all \d+ welcomed/)));
    const summary = master.waitFor('stdout', SUMMARY);
    summary.catch(() => {}); // awaited below
    const cpuBefore = cpuSeconds(master.pid);
    const started = performance.now();
    writeFileSync(go, '');
    let ended = false;
    void summary.then(() => (ended = true), () => {});
    // Figures only from answers that came while the run still went.
    const probing = new Promise((resolve) => setTimeout(resolve, 300)).then(() => probe(url, endpoint)).then((p) => (ended ? undefined : p), () => undefined);
    const requeue = lease ? silenceOne(master, sims[0]!) : Promise.resolve(undefined);
    requeue.catch(() => {});
    const seen: Seen = await summary;
    const cpuAfter = cpuSeconds(master.pid);
    children.forEach((child) => child.sampleRss());
    const probed = await probing;
    await master.exited;
    // A slave whose QUIT never came would wait for its master for ever, as a real one does: counted, then stopped.
    const grace = new Promise((resolve) => setTimeout(resolve, QUIT_GRACE_MS).unref());
    await Promise.race([Promise.all(sims.map((sim) => sim.exited)), grace]);
    for (const sim of sims) sim.stop();
    await checkEnd(children, seen, jobs);
    const ends = (await Promise.all(sims.map((sim) => sim.waitFor('stdout', /^\{"done"/)))).map((s) => JSON.parse(s.line.text) as SimEnd);
    const seconds = (seen.line.at - started) / 1000;
    return {
      seconds,
      jobsPerS: jobs / seconds,
      cpuSeconds: cpuAfter - cpuBefore,
      rssMb: master.peakRssMb,
      jobsPerSlave: ends.flatMap((end) => end.done),
      withoutQuit: ends.reduce((sum, end) => sum + end.withoutQuit, 0),
      rehellos: ends.reduce((sum, end) => sum + end.rehellos, 0),
      tmStatusS: probed?.tmStatusS,
      statusJsonMs: probed?.statusJsonMs,
      requeueS: await requeue,
    };
  });
}

/** Silences one simulated slave (the next to be sent jobs, which it keeps) and times the master's requeue of them. */
async function silenceOne(master: Child, sim: Child): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const silenced = sim.waitFor('stderr', /silenced (\S+) holding (\d+) jobs/);
  process.kill(sim.pid, 'SIGUSR2');
  const seen = await silenced;
  const back = await master.waitFor('stderr', new RegExp(`back in the buffer from ${seen.match[1]}: silent`));
  return (back.line.at - seen.line.at) / 1000;
}

function describe(label: string, m: SimMeasure): string {
  const s = spread(m.jobsPerSlave);
  const probe = m.tmStatusS === undefined ? 'not asked (run too short)' : `tm-status ${m.tmStatusS.toFixed(2)} s, /status.json ${m.statusJsonMs!.toFixed(0)} ms`;
  const requeue = m.requeueS === undefined ? '' : `, requeued ${m.requeueS.toFixed(2)} s after silence`;
  const odd = `${m.withoutQuit > 0 ? `, ${m.withoutQuit} slaves without a QUIT` : ''}${m.rehellos > 0 ? `, ${m.rehellos} let go and back` : ''}`;
  return `${label}: ${Math.round(m.jobsPerS).toLocaleString('en-US')} jobs/s (${m.seconds.toFixed(2)} s), jobs/slave ${s.min}/${s.median}/${s.max}, master CPU ${m.cpuSeconds.toFixed(1)} s, RSS ${m.rssMb.toFixed(0)} MB, ${probe}${requeue}${odd}`;
}

export async function fleetSim(settings: Settings): Promise<Row[]> {
  const grid = shapes(settings.quick);
  const seconds = settings.quick ? 2 : 4;
  const measured = new Map<string, SimMeasure[]>(grid.map((shape) => [key(shape), []]));
  const leases = new Map<number, SimMeasure[]>([10, 100, 1000].map((n) => [n, []]));
  // A run that fails is said, with why, and left out: the others' figures still stand.
  const attempt = async (label: string, shape: Shape, jobs: number, lease: boolean, into: SimMeasure[]): Promise<void> => {
    try {
      into.push(await simRun(shape, jobs, lease));
      settings.log(describe(label, into.at(-1)!));
    } catch (error) {
      settings.log(`${label}: FAILED, left out: ${(error as Error).message}${(error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : ''}`);
    }
  };
  for (let i = 1; i <= settings.runs; i++) {
    for (const shape of grid) await attempt(`fleet-sim ${key(shape)} ${i}/${settings.runs}`, shape, jobsFor(shape, seconds), false, measured.get(key(shape))!);
    for (const [slaves, runs] of leases) await attempt(`fleet-sim lease ${slaves} ${i}/${settings.runs}`, { slaves, lanes: 8, ms: 5 }, jobsFor({ slaves, lanes: 8, ms: 5 }, 5), true, runs);
  }
  const rows = grid.flatMap((shape) => {
    if (measured.get(key(shape))!.length === 0) return [];
    const tens = measured.get(key({ ...shape, slaves: 10 }))!;
    const base = shape.slaves === 10 || tens.length === 0 ? undefined : tens;
    return [row(shape, jobsFor(shape, seconds), measured.get(key(shape))!, base)];
  });
  for (const [slaves, runs] of leases) if (runs.length > 0) rows.push(leaseRow(slaves, jobsFor({ slaves, lanes: 8, ms: 5 }, 5), runs));
  return rows;
}

/**
 * `npm run bench [-- --quick] [-- --only noop,io] [-- --runs N] [-- --tail-slot-jobs N] [-- --billion-jobs N]`
 *
 * Times whole runs of the real bins (`dist/bin/tm-master.js` and `tm-slave.js` as separate
 * processes, a fresh temp dir and state each run) against baselines with no engine code
 * (bench/baseline/*.mjs), alternating engine and baseline run by run, and reports medians.
 *
 * - jobs/s: jobs / the time from the first slave's "welcomed by run" line (its threads have loaded
 *   the task module and it has shaken hands with the master) to the master's summary line, both
 *   as the bench receives them. Baselines print the same two lines at the same points, so
 *   process start-up is out of both sides alike. The master's own figure (it counts from its own
 *   start, so it includes waiting for the slave) is `master_reported_jobs_per_s`, and spawn to
 *   exit is `wall_s`.
 * - startup, small-run: whole processes instead, spawn to exit, `tm-run` against the bare script
 *   of the same shape (bench/baseline/floor-producer.mjs spawn=N), median of 5. noop-4000 puts
 *   the engine's whole-process time (`whole_process_s`) beside its welcome-to-summary figure,
 *   against the floor at the engine's own wire (msgpack, batches of 4000).
 * - billion (only with `--only billion`): 1e9 no-op jobs (`--billion-jobs`), the master killed
 *   with -9 five times and restarted on its state, against a clean run; see workloads/billion.ts.
 * - fleet (only with `--only fleet`): noop and io over 3 sshd hosts in network namespaces, slaves
 *   started by `tm-run --hosts` against the same started by hand, and the start-up from the
 *   command to a job done on every host; see workloads/fleet.ts.
 * - fleet-sim (only with `--only fleet-sim`): one master with 10, 100 and 1,000 simulated slaves
 *   (DEALERs speaking the real protocol, bench/lib/sim-slaves.mjs): jobs/s against the 10-slave
 *   figure, fairness, the master's CPU and RSS, tm-status and /status.json while it runs, and how
 *   soon a silent slave's jobs are requeued; see workloads/fleet-sim.ts.
 * - peak RSS: each process's VmHWM (/proc/<pid>/status, threads included) polled every 200 ms and
 *   once more when the master prints its summary; for several slaves, the highest.
 *
 * stdout: one JSON object per line, a `machine` line first, then one per workload (`npm run --silent
 * bench` keeps npm's banner out of it). stderr: progress, then the table.
 */
import { cpus, release } from 'node:os';
import { parseArgs } from 'node:util';
import { killAll } from './lib/child.js';
import { CORES, type Row, type Settings } from './lib/report.js';
import { table } from './lib/table.js';
import { removeTempDirs } from './lib/temp.js';
import { curve, netns } from './workloads/curve.js';
import { fleet } from './workloads/fleet.js';
import { fleetSim } from './workloads/fleet-sim.js';
import { httpCost } from './workloads/http.js';
import { joblog } from './workloads/joblog.js';
import { linesResume } from './workloads/lines-resume.js';
import { memory } from './workloads/memory.js';
import { pgMigrate } from './workloads/pg.js';
import { results } from './workloads/results.js';
import { tail } from './workloads/tail.js';
import { billion } from './workloads/billion.js';
import { smallRun, startup } from './workloads/startup.js';
import { cpu, fanIn, floorOnly, io, noop } from './workloads/throughput.js';

/** Every workload in the order it runs. `noop` reports the floor as well, from the runs it alternates with. */
const WORKLOADS: Record<string, (settings: Settings) => Promise<Row[]>> = {
  startup,
  'small-run': smallRun,
  floor: floorOnly,
  noop,
  joblog,
  http: httpCost,
  results,
  io,
  cpu,
  memory,
  'fan-in': fanIn,
  tail,
  curve,
  netns,
  billion,
  pg: pgMigrate,
  'lines-resume': linesResume,
  fleet,
  'fleet-sim': fleetSim,
};

/**
 * Workloads that run only when --only names them: the billion-job run takes minutes, lines-resume
 * writes a 2 GiB file, fleet starts three sshd hosts and takes about a minute, fleet-sim runs 15
 * masters of up to 1,000 simulated slaves each round (about 3 minutes a round; --quick: 9).
 */
const OPT_IN = new Set(['billion', 'lines-resume', 'fleet', 'fleet-sim']);

const USAGE = `usage: npm run bench -- [--quick] [--only ${Object.keys(WORKLOADS).join(',')}] [--runs N] [--tail-slot-jobs N] [--billion-jobs N]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      // Jobs a slave holds per slot (lane): it asks for about 100 ms of work per lane (src/slave/slave.ts), 10 jobs of 10 ms.
      'tail-slot-jobs': { type: 'string', default: '10' },
      // Jobs of the billion workload: fewer to try it out.
      'billion-jobs': { type: 'string', default: '1000000000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  const only = values.only
    ?.split(',')
    .map((name) => name.trim())
    .map((name) => (name === 'fanin' ? 'fan-in' : name));
  const unknown = only?.filter((name) => !(name in WORKLOADS)) ?? [];
  const runs = Number(values.runs ?? 3);
  const tailSlotJobs = Number(values['tail-slot-jobs']);
  const billionJobs = Number(values['billion-jobs']);
  if (unknown.length > 0 || !(Number.isInteger(runs) && runs >= 1) || !(tailSlotJobs > 0) || !(Number.isSafeInteger(billionJobs) && billionJobs >= 1000)) {
    process.stderr.write(`${unknown.length > 0 ? `unknown workload ${unknown.join(', ')}` : 'bad --runs, --tail-slot-jobs or --billion-jobs'}\n${USAGE}\n`);
    return 2;
  }
  const selected = new Set(only ?? Object.keys(WORKLOADS).filter((name) => !OPT_IN.has(name)));
  if (selected.has('noop')) selected.delete('floor');
  const settings: Settings = { quick: values.quick, runs, tailSlotJobs, billionJobs, log: (line) => process.stderr.write(`bench: ${line}\n`) };

  const machine = { name: 'machine', cpu: cpus()[0]?.model ?? 'unknown', cores: CORES, node: process.version, os: `${process.platform} ${release()}`, quick: settings.quick, runs };
  process.stdout.write(`${JSON.stringify(machine)}\n`);
  const rows: Row[] = [];
  for (const [name, workload] of Object.entries(WORKLOADS)) {
    if (!selected.has(name)) continue;
    for (const row of await workload(settings)) {
      rows.push(row);
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
  }
  process.stderr.write(`\n${machine.cpu} x ${machine.cores} cores, node ${machine.node}, ${machine.os}${settings.quick ? ', --quick' : ''}; medians of ${runs} runs${settings.quick ? ' (memory: 1)' : ''}\n${table(rows)}\n`);
  return 0;
}

/** Every exit path ends the processes the bench started and removes its temp dirs. */
function cleanUp(): void {
  killAll();
  removeTempDirs();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
process.once('exit', cleanUp);

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    cleanUp();
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);

/**
 * fleet (only with `--only fleet`: it needs root, sshd and a minute): noop and 1 ms I/O jobs over
 * 3 hosts in network namespaces, each running a real sshd (test/helpers/ssh-hosts.ts), one slave
 * process a host, CURVE, in one invocation, runs alternating:
 * - with `--hosts`: `tm-run module 1 --hosts h1,h2,h3 --ssh 'ssh -F cfg' --remote-command
 *   'node …/dist/bin/tm-spawn.js'`, one command on the client host that starts everything;
 * - by hand: `tm-master` on the client host and a `tm-spawn module 1` per host (`ip netns exec`),
 *   with a long-lived key pair, as docs/many-hosts.md's manual way does.
 * The task holds its jobs until every host has a slave joined (the master's /status.json, polled).
 * jobs/s: from then to the master's summary, every job in it; the ratio is --hosts / by hand.
 * startup_s: from the command to a job done on every host (for the baseline: from starting the
 * master, its slaves started the moment it listens, so no typing time is in it); join_s: from
 * the command to a slave joined from every host.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { SshHosts, sshHostsUnavailable } from '../../test/helpers/ssh-hosts.js';
import { FLEET_HTTP_PORT, measureFleet, type FleetMeasure, type FleetRun } from '../lib/fleet-measure.js';
import { comparison, describeRun, engineFields, median, medians, NO_BASELINE, round, type Row, type Settings } from '../lib/report.js';
import { makeTempDir, removeTempDir } from '../lib/temp.js';
import { curveKeys, DIST_BIN, taskModule, type CurveKeys } from '../lib/topologies.js';

const HOSTS = ['h1', 'h2', 'h3'];
const TIMEOUT_MS = 5 * 60_000;

/** A workload of the fleet: its task, its jobs, and the flags both sides give the slaves. */
interface Kind {
  readonly name: 'noop' | 'io';
  readonly jobs: number;
  readonly slaveFlags: readonly string[];
}

function kinds(quick: boolean): Kind[] {
  return [
    { name: 'noop', jobs: quick ? 2_000_000 : 4_000_000, slaveFlags: [] },
    // 1 ms timers: 64 at a time on each thread, so the hosts wait on timers, not on the CPUs.
    { name: 'io', jobs: quick ? 150_000 : 300_000, slaveFlags: ['--concurrency', '64'] },
  ];
}

const bin = (name: string): string => path.join(DIST_BIN, `${name}.js`);
const http = ['--http', `127.0.0.1:${FLEET_HTTP_PORT}`];

/** Whether this build's tm-run has --hosts (the fleet's work): without it only the by-hand side runs. */
function hasHosts(): boolean {
  return execFileSync(process.execPath, [bin('tm-run'), '--help'], { encoding: 'utf8' }).includes('--hosts');
}

/** `tm-run module 1 --hosts h1,h2,h3 …`: one command on the client host, a slave process on each host. */
function withHosts(lab: SshHosts, kind: Kind): FleetRun {
  const hosts = ['--hosts', HOSTS.join(','), '--ssh', `ssh -F ${lab.configFile}`, '--remote-command', `${process.execPath} ${bin('tm-spawn')}`];
  const args = (dir: string): string[] => [taskModule(`fleet-${kind.name}`), '1', ...jobArgs(kind, dir), ...hosts, '--address', `tcp://${lab.client.address}:*`, ...state(dir), ...http, ...kind.slaveFlags];
  return { master: { name: 'tm-run --hosts', script: bin('tm-run'), args }, slaves: [], jobs: kind.jobs, timeoutMs: TIMEOUT_MS };
}

/** `tm-master` on the client host, and `tm-spawn module 1` on each host with a long-lived key pair. */
function byHand(lab: SshHosts, keys: CurveKeys, kind: Kind): FleetRun {
  const module = taskModule(`fleet-${kind.name}`);
  const curve = ['--curve-secret', keys.masterKey, '--authorized-keys', keys.authorizedKeys];
  const args = (dir: string): string[] => [module, ...jobArgs(kind, dir), '--address', `tcp://${lab.client.address}:*`, ...state(dir), ...http, ...curve];
  const slaves = lab.hosts.map((host) => ({
    name: `tm-spawn@${host.name}`,
    script: bin('tm-spawn'),
    args: (endpoint: string) => [module, '1', '--address', endpoint, '--name', host.name, '--curve-secret', keys.slaveKey, '--server-key', keys.masterPub, ...kind.slaveFlags],
    netns: host.netns,
  }));
  return { master: { name: 'tm-master', script: bin('tm-master'), args }, slaves, jobs: kind.jobs, timeoutMs: TIMEOUT_MS };
}

/** The task's args: its jobs, and the file whose creation lets them go (bench/tasks/held-jobs.ts). */
function jobArgs(kind: Kind, dir: string): string[] {
  return [`n=${kind.jobs}`, `go=${path.join(dir, 'go')}`];
}

function state(dir: string): string[] {
  return ['--state', path.join(dir, 'state.json'), '--reset', '--no-progress'];
}

function describe(label: string, m: FleetMeasure): string {
  return `${describeRun(label, m)}; every host joined ${m.joinSeconds.toFixed(2)} s and running ${m.startupSeconds.toFixed(2)} s after the command`;
}

/** The start-up figures of some runs: the median, and each run's. */
function startup(prefix: string, runs: readonly FleetMeasure[]): Record<string, unknown> {
  return {
    [`${prefix}startup_s`]: round(median(runs.map((m) => m.startupSeconds)), 2),
    [`${prefix}startup_samples_s`]: runs.map((m) => round(m.startupSeconds, 2)),
    [`${prefix}join_s`]: round(median(runs.map((m) => m.joinSeconds)), 2),
  };
}

export async function fleet(settings: Settings): Promise<Row[]> {
  const unavailable = sshHostsUnavailable();
  if (unavailable !== undefined) {
    settings.log(`fleet: skipped, SSH hosts unavailable (${unavailable}); run the bench as root with iproute2 and openssh-server`);
    return [];
  }
  const ship = hasHosts();
  if (!ship) settings.log('fleet: this tm-run has no --hosts: only the slaves started by hand run');
  const lab = await SshHosts.create('fleet', HOSTS);
  const dir = makeTempDir('tm-bench-keys-');
  try {
    const keys = curveKeys(dir);
    const rows: Row[] = [];
    for (const kind of kinds(settings.quick)) {
      const fleetRuns: FleetMeasure[] = [];
      const handRuns: FleetMeasure[] = [];
      const load = loadavg()[0]!;
      for (let i = 1; i <= settings.runs; i++) {
        if (ship) {
          fleetRuns.push(await measureFleet(lab, withHosts(lab, kind)));
          settings.log(describe(`fleet ${kind.name} ${i}/${settings.runs} --hosts`, fleetRuns.at(-1)!));
        }
        handRuns.push(await measureFleet(lab, byHand(lab, keys, kind)));
        settings.log(describe(`fleet ${kind.name} ${i}/${settings.runs} by hand`, handRuns.at(-1)!));
      }
      const shape = { hosts: HOSTS.length, slaves_per_host: 1, slave_flags: kind.slaveFlags.join(' '), load_1min_before: round(load, 2) };
      if (!ship) {
        rows.push({ name: `fleet-${kind.name}-by-hand`, jobs: kind.jobs, ...engineFields(medians(handRuns)), ...startup('', handRuns), ...shape, ...NO_BASELINE });
        continue;
      }
      const ratioOf = 'tm-run --hosts jobs/s / by-hand jobs/s (medians; from every host joined, when the jobs are let go, to the summary)';
      const row = comparison(`fleet-${kind.name}`, kind.jobs, medians(fleetRuns), medians(handRuns), 'the same slaves started by hand (tm-master, tm-spawn per host)', ratioOf, null);
      rows.push({ ...row, ...startup('', fleetRuns), ...startup('baseline_', handRuns), ...shape });
    }
    return rows;
  } finally {
    removeTempDir(dir);
    lab.remove();
  }
}

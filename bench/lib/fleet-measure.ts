/**
 * One timed run of a fleet: a master on the client host of an SshHosts lab (with `--http` on its
 * loopback) and slaves on the SSH hosts, started by the master itself (`tm-run --hosts`) or by
 * hand (a tm-spawn per host, in its network namespace). The task holds its jobs until the file
 * `go` in the run's dir exists (bench/tasks/held-jobs.ts). fleet-poller.mjs reads the master's
 * /status.json from the start: once every host has a slave joined, the bench writes `go` and the
 * throughput window begins (the master's summary line ends it, so it holds every job); once every
 * host has a slave with a job done, the start-up ends.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { SshHosts } from '../../test/helpers/ssh-hosts.js';
import { checkEnd, inRun, LISTENING, SUMMARY, type Measure, type Role } from './measure.js';

const POLLER = fileURLToPath(new URL('./fleet-poller.mjs', import.meta.url));
const ALL_JOINED = /^fleet-poller: all joined \(done (\d+)\)/;
const ALL_RUNNING = /^fleet-poller: all running \(done (\d+)\)/;
/** The master's --http port, on the client host's own loopback (a namespace with nothing else on it). */
export const FLEET_HTTP_PORT = 8089;
/** How long the hosts may take to lose every process of the run after the master's exit. */
const CLEAN_MS = 10_000;

export interface FleetRun {
  /** The master (tm-run or tm-master): its args get the run's temp dir, where `go` is written. */
  readonly master: Role;
  /** Slaves to start once the master listens (their args get its endpoint): none when the master starts its own. */
  readonly slaves: readonly Role[];
  readonly jobs: number;
  readonly timeoutMs: number;
}

export interface FleetMeasure extends Measure {
  /** From spawning the master to the moment every host has a slave joined (then the jobs are let go). */
  readonly joinSeconds: number;
  /** From spawning the master to the moment every host has a slave with a job done. */
  readonly startupSeconds: number;
  /** Jobs done when they were let go (0 unless the task does not hold them): the window counts only the others. */
  readonly doneAtJoin: number;
}

/** Runs `run` once against `lab`'s hosts in a fresh temp dir; fails if any process of the run is left on a host. */
export function measureFleet(lab: SshHosts, run: FleetRun): Promise<FleetMeasure> {
  return inRun(run.master.name, run.timeoutMs, async ({ dir, children, start }) => {
    const netns = lab.client.netns;
    const started = performance.now();
    const master = start({ ...run.master, netns }, dir);
    const hosts = lab.hosts.map((host) => host.name).join(',');
    const poller = start({ name: 'fleet-poller', script: POLLER, args: () => [`http://127.0.0.1:${FLEET_HTTP_PORT}/status.json`, hosts], netns }, dir);
    if (run.slaves.length > 0) {
      const endpoint = (await master.waitFor('stderr', LISTENING)).match[1]!;
      for (const slave of run.slaves) start(slave, endpoint);
    }
    const running = poller.waitFor('stderr', ALL_RUNNING);
    running.catch(() => {}); // awaited below; a rejection meanwhile is not unhandled
    const allJoined = await poller.waitFor('stderr', ALL_JOINED);
    writeFileSync(path.join(dir, 'go'), '');
    const summary = await master.waitFor('stdout', SUMMARY);
    master.sampleRss();
    const allRunning = await running;
    const rate = await checkEnd(children, summary, run.jobs);
    const wallSeconds = (performance.now() - started) / 1000;
    await nothingLeft(lab);
    const doneAtJoin = Number(allJoined.match[1]);
    const seconds = (summary.line.at - allJoined.line.at) / 1000;
    return {
      jobs: run.jobs,
      seconds,
      jobsPerS: (run.jobs - doneAtJoin) / seconds,
      reportedJobsPerS: rate,
      wallSeconds,
      producerRssMb: master.peakRssMb,
      // The slaves' processes are on the hosts (or children of tm-spawn): not sampled.
      consumerRssMb: 0,
      joinSeconds: (allJoined.line.at - started) / 1000,
      startupSeconds: (allRunning.line.at - started) / 1000,
      doneAtJoin,
    };
  });
}

/** Waits until no host has a process left but its sshd; fails naming what is left after CLEAN_MS. */
async function nothingLeft(lab: SshHosts): Promise<void> {
  const deadline = performance.now() + CLEAN_MS;
  for (;;) {
    const left = lab.hosts.flatMap((host) => lab.processes(host.name).map((p) => `${host.name}: ${p.pid} ${p.cmdline || p.command}`));
    if (left.length === 0) return;
    if (performance.now() > deadline) throw new Error(`processes of the run left on the hosts ${CLEAN_MS / 1000} s after the master's exit:\n${left.join('\n')}`);
    await delay(50);
  }
}

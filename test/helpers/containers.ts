/**
 * Containers for tests: a bin run as pid 1 of new pid, mount and UTS namespaces, as a container
 * runtime starts its entry point (`unshare --pid --fork --mount --mount-proc --uts`: the forked
 * child is pid 1, with its own /proc and host name). A signal from outside reaches that pid 1 as
 * one from a container runtime (`docker stop`, the kubelet) does: only if it has a handler.
 *
 * Needs root and util-linux's unshare. `--kill-child`: when the test kills unshare (killAll), its
 * pid 1 dies, and with it every process of the namespace.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { childPids, descendantPids, runBin, type Proc } from './processes.js';

/** What a container's entry point gets before it runs the bin. */
export interface Pod {
  /** Its host name (the UTS namespace's). @default the machine's */
  readonly hostname?: string;
  /** Shell lines run as root inside the namespaces before the bin (mounts), as `sh -c`. @default none */
  readonly setup?: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** A network namespace (test/helpers/netns.ts) to run in. @default the machine's */
  readonly netns?: string;
}

/** A bin running as pid 1 of its namespaces. */
export interface Pid1 extends Proc {
  /** Its pid as seen from the test (pid 1 is its pid inside), once unshare has forked it. */
  hostPid(): Promise<number>;
}

const UNSHARE = ['unshare', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', '--uts'];

/** Why bins cannot run in containers (as pid 1) here, or undefined when they can: a namespace is made to find out. */
export function pid1Unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    const pid = execFileSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'sh', '-c', 'hostname probe && echo $$'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pid.trim() === '1' ? undefined : `unshare's child is pid ${pid.trim()}, not 1`;
  } catch (error) {
    return `unshare does not work here: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim()}`;
  }
}

/** Runs `dist/bin/<bin>.js` as pid 1 of new pid, mount and UTS namespaces: the shell that sets the pod up execs node. */
export function runAsPid1(bin: string, args: readonly string[], pod: Pod = {}): Pid1 {
  const lines = [...(pod.hostname === undefined ? [] : [`hostname ${pod.hostname}`]), ...(pod.setup ?? []), 'exec "$@"'];
  const wrap = [...UNSHARE, 'sh', '-ec', lines.join('\n'), 'sh'];
  const proc = runBin(bin, args, { cwd: pod.cwd, env: pod.env, netns: pod.netns, wrap });
  let pid: number | undefined;
  return Object.assign(proc, {
    async hostPid(): Promise<number> {
      await expect.poll(() => (pid = childPids(proc.child.pid!)[0]), { timeout: 10_000, interval: 5 }).toBeDefined();
      return pid!;
    },
  });
}

/**
 * The `wrap` of `runBin` that runs a bin in a new container named `host`: as its pid 1
 * (`pid1`, the image's entrypoint being the bin), or as a child of a shell entrypoint that ran
 * other commands first, at a pid above those of a bin in another container and its threads
 * (whose ids are pids too), as a pid in another namespace usually is.
 */
export function container(host: string, pid1: boolean): string[] {
  const script = pid1 ? 'hostname "$0" && exec "$@"' : 'hostname "$0" && seq 64 | xargs -n 1 true && "$@"';
  return [...UNSHARE, 'sh', '-c', script, host];
}

/** The pid, as this test sees it, of the bin that `proc` runs in its container. */
export function binPid(proc: Proc): number {
  const pid = descendantPids(proc.child.pid!).find((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('/dist/bin/'));
  if (pid === undefined) throw new Error(`no bin runs in the container of pid ${proc.child.pid}`);
  return pid;
}

export { processesInNamespaceOf, type NsProcess } from './pid-namespaces.js';

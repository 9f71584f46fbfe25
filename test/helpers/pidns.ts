/**
 * Containers for tests, as far as the state lock can tell: a pid namespace (with /proc of its
 * own), a UTS namespace with its own host name, and a mount namespace for that /proc. The network
 * and the filesystem are the machine's, as for masters sharing a volume. `unshare --kill-child`
 * ends the container with its `unshare`, so `killAll` (which kills the started process) ends it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { descendantPids, type Proc } from './processes.js';

const UNSHARE = ['unshare', '--pid', '--fork', '--kill-child', '--uts', '--mount', '--mount-proc'];

/** Why containers cannot be made here, or undefined when they can: one is made to find out. */
export function containersUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'hostname', 'probe'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    return `unshare does not work here: ${((error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message).trim()}`;
  }
  return undefined;
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

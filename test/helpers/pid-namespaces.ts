/**
 * The processes of a pid namespace, read from /proc as the test sees them: for "nothing of the
 * run is left" in a container (containers.ts) or on an SSH host (ssh-hosts.ts). No vitest
 * import, so the bench can use it too.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A process of a namespace, as /proc shows it. */
export interface NsProcess {
  readonly pid: number;
  /** The state letter: R, S, Z (a zombie: exited, not yet reaped by its parent)… */
  readonly state: string;
  readonly ppid: number;
  /** Its name (comm): `node`, `sshd`, `sleep`… */
  readonly command: string;
  /** Its command line, arguments joined by spaces (empty for a zombie). */
  readonly cmdline: string;
}

/** Every process in the pid namespace of `pid` (seen from the test), from /proc. */
export function processesInNamespaceOf(pid: number): NsProcess[] {
  const ns = readlinkSync(`/proc/${pid}/ns/pid`);
  return readdirSync('/proc').flatMap((entry) => {
    const other = Number(entry);
    if (!Number.isInteger(other)) return [];
    try {
      if (readlinkSync(`/proc/${other}/ns/pid`) !== ns) return [];
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${other}/stat`, 'utf8');
      const [state = '?', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${other}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      return [{ pid: other, state, ppid: Number(ppid), command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cmdline }];
    } catch {
      return []; // gone meanwhile
    }
  });
}

/**
 * The ssh command lines of a fleet. The system's `ssh` (or `--ssh`), so the user's config, agent,
 * jump hosts and known_hosts apply; our `-o` options come first on its command line, and ssh takes
 * the first value it is given, so they win over a config file's.
 */

/** Seconds between keepalives the ssh master sends over a quiet link. */
export const SERVER_ALIVE_INTERVAL_S = 5;
/** Keepalives unanswered before ssh gives the link up (exit 255): a dead link is noticed in about 15 s. */
export const SERVER_ALIVE_COUNT_MAX = 3;

/** How a fleet runs ssh: the client and its own options, and the private directory of its control sockets. */
export interface SshSettings {
  /** The client and its options, as words (`--ssh`, split): `['ssh']`, `['ssh', '-F', 'cluster.conf']`. */
  readonly ssh: readonly string[];
  /** A private (0700) directory of this run: each host's ControlMaster socket is made there. */
  readonly controlDir: string;
}

/** Seconds a ControlMaster stays after its last session closes, if no `ssh -O exit` came (we were killed). */
export const CONTROL_PERSIST_S = 30;

/**
 * Options every ssh of a fleet gets: never a prompt (BatchMode), no terminal (-T), a ControlMaster
 * per host in this run's directory, kept with keepalives (on the master, which owns the link).
 */
function common(settings: SshSettings): string[] {
  const keepalive = ['-o', `ServerAliveInterval=${SERVER_ALIVE_INTERVAL_S}`, '-o', `ServerAliveCountMax=${SERVER_ALIVE_COUNT_MAX}`];
  return ['-T', '-o', 'BatchMode=yes', '-o', `ControlPath=${settings.controlDir}/%C`, ...keepalive];
}

/** `[file, args]` of an ssh command. */
export type Argv = readonly [string, readonly string[]];

/**
 * The probe, which opens the host's ControlMaster: ssh forks it into the background (OpenSSH
 * 7.3 and later give it /dev/null, not our pipes), where it stays while sessions use it, and
 * CONTROL_PERSIST_S after the last, unless `ssh -O exit` ends it first.
 */
export function probeArgv(settings: SshSettings, destination: string, command: string): Argv {
  const [file, ...own] = settings.ssh;
  return [file!, [...own, ...common(settings), '-o', 'ControlMaster=auto', '-o', `ControlPersist=${CONTROL_PERSIST_S}`, destination, command]];
}

/** A session over the host's ControlMaster (never one of its own: ControlMaster=no). */
export function sessionArgv(settings: SshSettings, destination: string, command: string): Argv {
  const [file, ...own] = settings.ssh;
  return [file!, [...own, ...common(settings), '-o', 'ControlMaster=no', destination, command]];
}

/** Asks the host's ControlMaster to exit (`ssh -O exit`): its connection closes, and every session on it. */
export function exitArgv(settings: SshSettings, destination: string): Argv {
  const [file, ...own] = settings.ssh;
  return [file!, [...own, ...common(settings), '-O', 'exit', destination]];
}

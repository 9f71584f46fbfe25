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

/** Options every ssh of a fleet gets: never a prompt (BatchMode), no terminal (-T), sockets of this run. */
function common(settings: SshSettings): string[] {
  return ['-T', '-o', 'BatchMode=yes', '-o', `ControlPath=${settings.controlDir}/%C`];
}

/** `[file, args]` of an ssh command. */
export type Argv = readonly [string, readonly string[]];

/**
 * The host's ControlMaster: a foreground ssh that owns the connection (keepalives on it) and runs
 * `command` (the probe); the sessions of the host run over it. Not ControlPersist: a master
 * ssh forks into the background holding our pipes, and outlives us if we are killed.
 */
export function masterArgv(settings: SshSettings, destination: string, command: string): Argv {
  const [file, ...own] = settings.ssh;
  const keepalive = ['-o', `ServerAliveInterval=${SERVER_ALIVE_INTERVAL_S}`, '-o', `ServerAliveCountMax=${SERVER_ALIVE_COUNT_MAX}`];
  return [file!, [...own, ...common(settings), '-o', 'ControlMaster=yes', '-o', 'ControlPersist=no', ...keepalive, destination, command]];
}

/** A session over the host's ControlMaster (never a connection of its own: ControlMaster=no). */
export function sessionArgv(settings: SshSettings, destination: string, command: string): Argv {
  const [file, ...own] = settings.ssh;
  return [file!, [...own, ...common(settings), '-o', 'ControlMaster=no', destination, command]];
}

/** Asks the host's ControlMaster to exit (`ssh -O exit`): its connection closes, and every session on it. */
export function exitArgv(settings: SshSettings, destination: string): Argv {
  const [file, ...own] = settings.ssh;
  return [file!, [...own, ...common(settings), '-O', 'exit', destination]];
}

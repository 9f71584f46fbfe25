/**
 * What runs on a host: the probe (on the ControlMaster's own session) and the slave side, the
 * remote command with tm-spawn's arguments appended, each quoted for the host's shell. ssh runs
 * both in the login's home directory.
 */
import { quoteWords } from './shell-words.js';

/** The remote command unless `--remote-command` says another: our package's tm-spawn, never one npx would fetch. */
export const DEFAULT_REMOTE_COMMAND = 'npx --no-install tm-spawn';

/** The first word of each probe line, so a login banner or a shell's chatter is never taken for it. */
const PROBE_MARK = 'tm-probe';

/**
 * The probe: says how the host sees us (`$SSH_CONNECTION`: the client's address and port, then
 * the host's), whether it has node, and whether the remote command runs (`--version`: npx finds
 * the package), and ends, leaving nothing running on the host. What a failing command says goes
 * to stderr, for the one line that names what the host lacks.
 */
export function probeCommand(remoteCommand: string): string {
  const check = `${remoteCommand} --version >/dev/null || { echo ${PROBE_MARK} no-command; exit 127; }`;
  return `echo ${PROBE_MARK} "$SSH_CONNECTION"; command -v node >/dev/null 2>&1 || { echo ${PROBE_MARK} no-node; exit 127; }; ${check}; echo ${PROBE_MARK} ready`;
}

/** What a probe said, line by line. */
export type ProbeLine = { readonly kind: 'connection'; readonly clientAddress: string } | { readonly kind: 'no-node' | 'no-command' | 'ready' } | undefined;

/** Reads one line of the probe's output; undefined for a line that is not the probe's. */
export function parseProbeLine(line: string): ProbeLine {
  const words = line.trim().split(/\s+/);
  if (words[0] !== PROBE_MARK) return undefined;
  if (words[1] === 'no-node') return { kind: 'no-node' };
  if (words[1] === 'no-command') return { kind: 'no-command' };
  if (words[1] === 'ready') return { kind: 'ready' };
  // SSH_CONNECTION: client address, client port, server address, server port.
  if (words.length === 5 && words[1] !== undefined) return { kind: 'connection', clientAddress: words[1].replace(/^::ffff:(?=\d+\.)/, '') };
  return undefined;
}

/** `tcp://address:port`, an IPv6 address in brackets. */
export function tcpEndpoint(address: string, port: string): string {
  return `tcp://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** The slave side's command line: the remote command as given (it may be a shell line), then tm-spawn's arguments, each one word. */
export function remoteLine(remoteCommand: string, spawnArgs: readonly string[]): string {
  return `${remoteCommand} ${quoteWords(spawnArgs)}`;
}

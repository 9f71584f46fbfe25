import type { Options } from 'yargs';
import { checkInteger } from '../common/check-integer.js';
import { UsageError } from '../common/errors.js';
import { withSuggestions } from './did-you-mean.js';
import { MAX_CONCURRENCY } from '../protocol/messages.js';
import { LOG_LEVELS } from '../common/log.js';
import { parseMaxFailures } from '../master/controls/failure-limit.js';
import { parseHttpAddress } from '../master/observe/http/http-address.js';
import { checkLockStale, MASTER_DEFAULTS as M } from '../master/master-options.js';
import { parseRate } from '../master/controls/rate-limit.js';
import { SLAVE_DEFAULTS as S } from '../slave/slave-options.js';
import { HOSTS_DEFAULTS as H } from '../run/fleet-setup.js';

/**
 * An integer flag, checked as the user typed it, so `--size abc` is reported as `abc`, not as
 * yargs' NaN. (No yargs `type`: 'number' would turn `abc` into NaN, 'string' would label the
 * flag [string] in --help; without one yargs passes numbers as numbers and the rest as typed.)
 */
export function integer(name: string, min: number, fallback: number, describe: string, max?: number) {
  return { ...optionalInteger(name, min, describe, max), default: fallback } as const;
}

/** An integer flag without a default. */
function optionalInteger(name: string, min: number, describe: string, max?: number) {
  return { describe, requiresArg: true, coerce: (raw: unknown): number => checkInteger(name, Number(raw), min, String(raw), max) } as const;
}

/** A string flag checked as typed by `parse` (which throws the usage error), and passed on as typed. */
function checked(describe: string, parse: (raw: string) => unknown) {
  return { type: 'string', describe, requiresArg: true, coerce: (raw: unknown): string => (parse(String(raw)), String(raw)) } as const;
}

/** Flags every command shares. Every default is read from the options' one declaration of it. */
export const commonFlags = {
  address: { type: 'string', default: M.address, describe: 'ZeroMQ endpoint of the master' },
  'log-level': { type: 'string', choices: LOG_LEVELS, default: M.logLevel, describe: 'How much to log to stderr' },
} satisfies Record<string, Options>;

/** Flags of the master (tm-master, tm-run). */
export const masterFlags = {
  size: integer('size', 1, M.size, 'Most jobs buffered ahead of dispatch'),
  state: { type: 'string', describe: 'State file (default: ./.taskmaster/<module>-<fn>-<args hash>.state.json)' },
  reset: { type: 'boolean', default: M.reset, describe: 'Forget earlier state and start the run over' },
  'retry-failed': { type: 'boolean', default: M.retryFailed, describe: 'Run only the dead-lettered jobs, and keep in the dead-letter file those that still fail' },
  'checkpoint-interval': integer('checkpoint-interval', 1, M.checkpointInterval, 'Milliseconds between snapshots and fsyncs of the state'),
  retries: integer('retries', 0, M.retries, 'Retries of a failing job before it is dead-lettered'),
  'retry-backoff': integer('retry-backoff', 0, M.retryBackoff, 'Base of the exponential retry backoff, in ms'),
  'job-timeout': integer('job-timeout', 0, M.jobTimeout, 'Milliseconds a handler may run before it fails (0: no limit)'),
  lease: integer('lease', 1, M.lease, 'Milliseconds of silence before a slave’s jobs go to others'),
  grace: integer('grace', 0, M.grace, 'Milliseconds a stop waits for in-flight jobs'),
  'lock-stale': {
    describe: 'Milliseconds without a heartbeat before the state lock of a master on another host is free (at least 3000)',
    requiresArg: true,
    default: M.lockStale,
    coerce: (raw: unknown): number => checkLockStale(Number(raw), String(raw)),
  },
  rate: checked('Most jobs started per second (N/s) or minute (N/min), across all slaves (default: no limit)', parseRate),
  'max-failures': checked('Stop (exit 1) once more than N jobs, or P% of those finished (once 100 have), are dead-lettered (default: no limit)', parseMaxFailures),
  limit: optionalInteger('limit', 1, 'Dispatch at most N more jobs, then stop; the next run carries on (default: no limit)'),
  joblog: { type: 'string', requiresArg: true, describe: 'Append a JSON line per finished attempt to this file (seq, attempt, slave, start, ms, outcome, error)' },
  results: { type: 'string', requiresArg: true, describe: 'Append a JSON line {seq, job, result} per job whose handler returned a value to this file, before the job counts as done' },
  channels: { type: 'string', requiresArg: true, describe: 'Directory where each channel a handler writes with channels() is a file <name>.jsonl, one JSON value a line' },
  insecure: { type: 'boolean', default: M.insecure, describe: 'Allow binding a non-loopback address without CURVE (anyone who reaches it can take jobs; they travel unencrypted)' },
  progress: { type: 'boolean', default: true, describe: 'Show progress (--no-progress to hide it)' },
} satisfies Record<string, Options>;

/** The master's read-only web window (tm-master, tm-run). */
export const httpFlags = {
  http: checked('Serve a live dashboard, /status.json and /metrics at HOST:PORT (port 0: a free one); a non-loopback HOST asks for a token (default: off)', parseHttpAddress),
  'http-token-file': { type: 'string', requiresArg: true, describe: 'File holding the token --http asks for, even on loopback (default: a new one each start on a non-loopback HOST, printed in the URL)' },
} satisfies Record<string, Options>;

/** Flags of a slave (tm-slave, tm-spawn, tm-run). */
export const slaveFlags = {
  threads: optionalInteger('threads', 1, 'Worker threads per slave (default: the number of CPUs, shared among slaves by tm-spawn/tm-run)'),
  concurrency: integer('concurrency', 1, S.concurrency, 'Jobs each thread runs at once (for handlers that await I/O)', MAX_CONCURRENCY),
  'max-credit': integer('max-credit', 1, S.maxCredit, 'Most jobs a slave holds at once, queued and running: at most these re-run if it crashes'),
  name: { type: 'string', requiresArg: true, describe: 'What the master’s log and tm-status call this slave (default: host:pid; tm-spawn and tm-run add -1, -2, …)' },
} satisfies Record<string, Options>;

/** Flags of a slave on its own (tm-slave) or of a group of them (tm-spawn): tm-run ends its slaves itself. */
export const loneSlaveFlags = {
  'give-up-after': integer('give-up-after', 0, S.giveUpAfter, 'Exit (code 3) once no master has answered for this many ms, since the start or since the master went away (0: wait for ever)'),
} satisfies Record<string, Options>;

/** Slaves on other hosts, started over ssh (tm-run). */
export const hostsFlags = {
  hosts: { type: 'string', requiresArg: true, describe: 'Start tm-spawn with N slaves (or :count) on each host over ssh, [user@]host[:count],…; CURVE with keys made for the run, sent over ssh; the handler shipped unless --no-ship' },
  local: { type: 'boolean', default: H.local, describe: 'With --hosts, run the N slaves on this host too' },
  ssh: { type: 'string', requiresArg: true, default: H.ssh, describe: 'The ssh client and its options (BatchMode and a ControlMaster per host are added)' },
  'remote-command': { type: 'string', requiresArg: true, default: H.remoteCommand, describe: 'What starts the slaves on a host, in the login’s home directory; tm-spawn’s arguments are appended' },
  'connect-address': { type: 'string', requiresArg: true, describe: 'With a wildcard --address, the address the hosts connect to (default: ours as each host’s ssh connection sees it)' },
  'host-give-up-after': integer('host-give-up-after', 0, H.hostGiveUpAfter, 'Milliseconds a host’s slaves wait for an unanswering master before they exit, and its processes end'),
} satisfies Record<string, Options>;

/** Packages named by a list flag (`--ship-external a,b`, or the flag given again). */
function packageList(describe: string) {
  return { type: 'string', requiresArg: true, describe, coerce: (raw: unknown): string[] => [raw].flat().flatMap((word) => String(word).split(',')).map((name) => name.trim()).filter(Boolean) } as const;
}

const SHIP_EXTERNAL = 'Packages to leave out of the shipped bundle, to be installed on each slave’s host (a,b); native ones and taskmaster-ts always are';
const ALLOW_SKEW = 'Run although the slave’s code differs from what the master ships (a warning, not a refusal)';

/** Code shipping flags of a master (tm-master, tm-run). */
export const shipFlags = {
  ship: { type: 'boolean', default: false, describe: 'Bundle the slaves’ handler (esbuild, one file) and send it to slaves started with no module: over CURVE, or on loopback' },
  'ship-external': packageList(SHIP_EXTERNAL),
  'allow-skew': { type: 'boolean', default: M.allowSkew, describe: `${ALLOW_SKEW}: admit every slave` },
} satisfies Record<string, Options>;

/** Flags of a slave about the code it runs (tm-slave, tm-spawn). */
export const slaveCodeFlags = {
  'allow-skew': { type: 'boolean', default: S.allowSkew, describe: `${ALLOW_SKEW}: ask the master to admit it` },
  'ship-external': packageList('The master’s --ship-external, so that this slave’s own module hashes as the master’s bundle does'),
  // tm-run's own slaves load the master's very file: no hash to make (--no-bundle-hash), and no esbuild to load.
  'bundle-hash': { type: 'boolean', default: true, hidden: true },
} satisfies Record<string, Options>;

/** CURVE flags of a master (tm-master, tm-run). */
export const masterCurveFlags = {
  'curve-secret': { type: 'string', requiresArg: true, describe: 'The master’s CURVE secret key file (tm-keygen): encrypts, and admits only --authorized-keys' },
  'authorized-keys': { type: 'string', requiresArg: true, describe: 'File of the public keys of the slaves to admit, one a line (# comments); read again when it changes' },
} satisfies Record<string, Options>;

/** Keys over stdin (tm-slave, tm-spawn): how tm-run --hosts and tm-spawn hand a slave its keys without a file. */
export const stdinKeysFlags = {
  'keys-stdin': {
    type: 'boolean',
    default: false,
    describe: 'Read the CURVE keys from stdin, one JSON line {"secretKey","serverKey"}, instead of files; stop when stdin ends',
  },
} satisfies Record<string, Options>;

/** CURVE flags of a client of a master (tm-slave, tm-spawn, tm-status). */
export const clientCurveFlags = {
  'curve-secret': { type: 'string', requiresArg: true, describe: 'This side’s CURVE secret key file (tm-keygen); its public key must be in the master’s --authorized-keys' },
  'server-key': { type: 'string', requiresArg: true, describe: 'The master’s public key file (its NAME.pub)' },
} satisfies Record<string, Options>;

/** yargs' failure handler: one line, exit 2, no stack; a mistyped flag gets the nearest of `known`. */
export function failUsage(command: string, known: readonly string[] = []) {
  return (message: string | undefined, error: Error | undefined): never => {
    throw new UsageError(withSuggestions(message ?? error?.message ?? `bad usage of ${command}`, known));
  };
}

import { UsageError } from './errors.js';

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\]|::1)$/i;

/**
 * Checks a ZeroMQ endpoint at the boundary: `tcp://host:port`, `ipc://path` or `inproc://name`.
 * A master binds (its port may be `*`, for a free one); a slave connects (a port from 1 to 65535).
 */
export function checkEndpoint(address: string, use: 'bind' | 'connect', flag = 'address'): string {
  const match = /^(tcp|ipc|inproc):\/\/(\S+)$/.exec(address);
  if (match === null) {
    const hint = /^[^\s:/]+:(\d+|\*)$/.test(address) ? ` (did you mean \`tcp://${address}\`?)` : '';
    throw new UsageError(`Expected \`--${flag}\` to be tcp://host:port, ipc://path or inproc://name, got \`${address}\`${hint}`);
  }
  if (match[1] !== 'tcp') return address;
  const tcp = /^(.+):(\d{1,5}|\*)$/.exec(match[2]!);
  const port = tcp?.[2] === '*' ? (use === 'bind' ? 0 : -1) : Number(tcp?.[2] ?? -1);
  const lowest = use === 'bind' ? 0 : 1;
  if (tcp === null || port < lowest || port > 65_535 || (use === 'connect' && tcp[1] === '*')) {
    const ports = use === 'bind' ? 'a port from 0 to 65535, or * for a free one' : 'a host, and a port from 1 to 65535';
    throw new UsageError(`Expected \`--${flag}\` to be tcp://host:port (${ports}), got \`${address}\``);
  }
  return address;
}

/**
 * Whether a (checked) endpoint is on this host only: a loopback tcp host (127.0.0.0/8, ::1,
 * localhost), ipc or inproc. A master bound there needs no CURVE; a slave connecting there may
 * run the code its master ships.
 */
export function isLocalOnly(address: string): boolean {
  const match = /^tcp:\/\/(.+):(\d+|\*)$/.exec(address);
  return match === null || LOOPBACK.test(match[1]!);
}

/** The address a client on this host connects to for a master bound at `bound`: a wildcard host reads as loopback. */
export function localAddress(bound: string): string {
  return bound.replace(/^tcp:\/\/(?:0\.0\.0\.0|\*)(?=:)/, 'tcp://127.0.0.1').replace(/^tcp:\/\/\[::\](?=:)/, 'tcp://[::1]');
}

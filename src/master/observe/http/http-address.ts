/** `--http HOST:PORT`, checked as typed: where the dashboard listens, and whether it must ask for a token. */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { UsageError } from '../../../common/errors.js';

export interface HttpAddress {
  /** As node:http's listen() takes it: brackets of an IPv6 address removed. */
  readonly host: string;
  /** 0: a free one, picked at bind. */
  readonly port: number;
  /** Reachable from this host only: no token needed. */
  readonly loopback: boolean;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|::1)$/i;
const HOST_NAME = /^[a-z\d]([a-z\d-]*[a-z\d])?(\.[a-z\d]([a-z\d-]*[a-z\d])?)*$/i;

/** Parses `127.0.0.1:8080`, `0.0.0.0:0`, `[::1]:9000`, `myhost:8080`; anything else is a usage error naming it. */
export function parseHttpAddress(text: string): HttpAddress {
  const match = /^(?:\[([\da-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/i.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  const valid = host !== undefined && (match![1] !== undefined ? isIP(host) === 6 : isIP(host) === 4 || HOST_NAME.test(host)) && port <= 65_535;
  if (!valid) throw new UsageError(`Expected \`--http\` to be HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080; port 0 picks a free one), got \`${text}\``);
  return { host, port, loopback: LOOPBACK.test(host) };
}

/**
 * Whether a request's Host header names this host's loopback: a window without a token answers
 * only those, so a web page elsewhere cannot read it through a DNS name rebound to 127.0.0.1.
 */
export function isLoopbackHost(header: string | undefined): boolean {
  const match = /^(\[::1\]|[^:[\]]+)(:\d+)?$/.exec(header ?? '');
  return match !== null && LOOPBACK.test(match[1]!.replace(/^\[(.*)\]$/, '$1'));
}

/** The URL people open: a wildcard bind is named by this host's name, an IPv6 address in brackets. */
export function httpUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? hostname() : isIP(host) === 6 ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

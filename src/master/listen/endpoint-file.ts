/**
 * `<state>.endpoint`: where a running master can be asked, written beside its state while it
 * runs, so that `tm-status` with no `--address` finds every run under `./.taskmaster` (tm-run
 * binds a port of the OS's choosing, which nobody could guess). Removed when the run closes; one
 * a killed master left names a process that is gone, which tm-status says rather than asks.
 */
import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from '../../common/log.js';
import { localAddress } from '../../common/check-endpoint.js';
import { writeFileAtomic } from '../state/atomic-write.js';

/** What the file says: how to reach the master, and who it is. */
export interface EndpointRecord {
  /** An address a client on this host can connect to (a wildcard bind reads as loopback). */
  readonly address: string;
  readonly host: string;
  readonly pid: number;
  /** The state file the run keeps, absolute. */
  readonly state: string;
  /** Whether a client needs CURVE keys (`--curve-secret`, `--server-key`) to be answered. */
  readonly curve: boolean;
  /** The master's public key, with CURVE: what `--server-key` holds. */
  readonly serverKey?: string;
}

/** The endpoint file of the state file `statePath`. */
export function endpointPath(statePath: string): string {
  return `${statePath}.endpoint`;
}

/** Writes the endpoint file of a master bound at `bound` (or warns why not: the run goes on without it); returns its remover. */
export function advertiseEndpoint(statePath: string, bound: string, serverKey: string | undefined, logger: Logger): () => void {
  const path = endpointPath(statePath);
  const record: EndpointRecord = { address: localAddress(bound), host: hostname(), pid: process.pid, state: statePath, curve: serverKey !== undefined, ...(serverKey === undefined ? {} : { serverKey }) };
  try {
    writeFileAtomic(path, `${JSON.stringify(record)}\n`);
  } catch (error) {
    logger.warn(`could not write ${path} (tm-status finds the run by it; pass it --address instead): ${(error as Error).message}`);
    return () => {};
  }
  return () => {
    try {
      rmSync(path, { force: true });
    } catch {
      // Best effort: a file left behind names a process that is gone, which tm-status says.
    }
  };
}

/** The record of the endpoint file at `path`, or undefined when it is missing or not one of ours. */
export function readEndpointFile(path: string): EndpointRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as Partial<EndpointRecord>;
    const ok = typeof record.address === 'string' && typeof record.pid === 'number' && typeof record.host === 'string' && typeof record.state === 'string';
    return ok ? ({ ...record, curve: record.curve === true } as EndpointRecord) : undefined;
  } catch {
    return undefined;
  }
}

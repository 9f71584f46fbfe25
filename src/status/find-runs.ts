/**
 * The runs tm-status asks when it is given no `--address`: those whose master wrote its endpoint
 * beside its state (`<state>.endpoint`, see master/listen/endpoint-file.ts), under
 * `./.taskmaster` (where runs keep their state unless told otherwise), or the one of `--state`.
 */
import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { endpointPath, readEndpointFile, type EndpointRecord } from '../master/listen/endpoint-file.js';
import { isAlive } from '../master/state/lock-holder.js';

/** Where runs keep their state by default, relative to the directory they run in. */
export const STATE_DIR = '.taskmaster';

/** A run found: its endpoint record, and why not to ask it (its master is gone) when so. */
export interface FoundRun {
  readonly record: EndpointRecord;
  /** Set when the master that wrote the file is known to be gone: a kill -9 left it. */
  readonly gone?: string;
}

/** The runs whose endpoint files are under `cwd/.taskmaster`, or the one of `statePath`; sorted by state path. */
export function findRuns(cwd: string, statePath?: string): FoundRun[] {
  const paths = statePath !== undefined ? [endpointPath(resolve(cwd, statePath))] : endpointFilesIn(join(cwd, STATE_DIR));
  return paths
    .map((path) => readEndpointFile(path))
    .filter((record): record is EndpointRecord => record !== undefined)
    .sort((a, b) => (a.state < b.state ? -1 : a.state > b.state ? 1 : 0))
    .map((record) => (record.host === hostname() && !isAlive(record.pid) ? { record, gone: `its master (pid ${record.pid}) is gone; a killed master left ${endpointPath(record.state)}` } : { record }));
}

function endpointFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.endpoint'))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

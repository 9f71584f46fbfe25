/**
 * What a master runs and where it keeps it, worked out once as it opens: the module's URL, the
 * run's identity (module file, generator, args) and its state file. Everything after (the early
 * look at the state, the module load, the plan) is handed these, so no step works them out again.
 */
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { parseTarget, resolveModule } from '../../task/load.js';
import type { ResolvedMasterOptions } from '../master-options.js';
import type { RunIdentity } from '../state/checkpoint.js';

export interface RunTarget {
  /** The module, resolved from the cwd: what the master and its slaves load. */
  readonly url: string;
  /** What the state belongs to. */
  readonly identity: RunIdentity;
  /** `--state`, or the default for this identity. */
  readonly statePath: string;
}

const TASK_EXTENSIONS = /\.(?:[cm]?ts|[cm]?js)$/;

/**
 * Resolves the module (throwing a UsageError when it cannot be found) and names the run's state:
 * its generator and args, and the slaves' handler and the output files when it has them, so that
 * another handler over the same data, or another results file, is another run with a state of its own.
 */
export function locateRun(options: ResolvedMasterOptions): RunTarget {
  const url = resolveModule(options.module, options.cwd);
  const at = (path: string | undefined): string | undefined => path && resolve(options.cwd, path);
  const handler = options.handler === undefined ? undefined : handlerPath(options.handler, options.cwd);
  const identity = { module: modulePath(url), fn: options.fn, args: options.args, handler, results: at(options.resultsFile), channels: at(options.channelsDir) };
  return { url, identity, statePath: options.state ?? defaultStatePath(identity, options.cwd) };
}

/** `module[:fn]` of the slaves, as the file it resolves to, and its fn when named. */
function handlerPath(target: string, cwd: string): string {
  const { module, fn } = parseTarget(target);
  return `${modulePath(resolveModule(module, cwd))}${fn === undefined ? '' : `:${fn}`}`;
}

/** The module's file path (or its URL, when not a file): what its state belongs to. */
export function modulePath(url: string): string {
  return new URL(url).protocol === 'file:' ? new URL(url).pathname : url;
}

/**
 * `<cwd>/.taskmaster/<module>-<fn>-<8 hex>.state.json`, the hex a sha256 of the sorted args and,
 * when the run has them, its handler and output files (a run without them keeps the name it had).
 */
export function defaultStatePath(identity: RunIdentity, cwd: string): string {
  const args = Object.entries(identity.args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const { handler, results, channels } = identity;
  const more = [handler, results, channels].some((part) => part !== undefined) ? [{ handler, results, channels }] : [];
  const hash = createHash('sha256').update(JSON.stringify([...args, ...more])).digest('hex').slice(0, 8);
  const module = basename(identity.module).replace(TASK_EXTENSIONS, '');
  const name = `${module}-${identity.fn}`.replace(/[^\w.-]/g, '_');
  return join(cwd, '.taskmaster', `${name}-${hash}.state.json`);
}

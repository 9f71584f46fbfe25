/** The master's side of the task-module contract (src/task/task.ts): what it calls, typed once. */
import { findFunction, loadModule, pickFunction } from '../../task/load.js';
import type { CountJobs, GetJobs, ProgressOf } from '../../task/task.js';
import type { ResultHandler } from '../master-options.js';

/** The functions a master takes from a task module. */
export interface MasterExports {
  /** The module as the user named it, for messages. */
  readonly label: string;
  readonly getJobs: GetJobs;
  readonly countJobs: CountJobs | undefined;
  readonly progressOf: ProgressOf | undefined;
  readonly handleResult: ResultHandler | undefined;
}

/**
 * Where the master sends each success's result: the module's `handleResult`, then the embedder's
 * `onResult` (run()'s results); undefined when neither is there, and slaves send no results.
 */
export function chainResults(handleResult: ResultHandler | undefined, onResult: ResultHandler | undefined): ResultHandler | undefined {
  if (handleResult === undefined || onResult === undefined) return handleResult ?? onResult;
  return async (result, job) => {
    await handleResult(result, job);
    await onResult(result, job);
  };
}

/** Loads `module` (resolved from the cwd to `url`) and picks its generator `fn` and its optional `countJobs` and `handleResult`. */
export async function loadMasterExports(module: string, fn: string, url: string): Promise<MasterExports> {
  const mod = await loadModule(url);
  const getJobs = pickFunction(mod, fn, module) as GetJobs;
  // Found as `fn` is: a named export or a function of the default export (`defineTask`).
  const countJobs = findFunction(mod, 'countJobs') as CountJobs | undefined;
  // Called with what msgpack decoded, whatever types the module declares.
  const handleResult = findFunction(mod, 'handleResult') as ResultHandler | undefined;
  const progressOf = findFunction(mod, 'progressOf') as ProgressOf | undefined;
  return { label: module, getJobs, countJobs, progressOf, handleResult };
}

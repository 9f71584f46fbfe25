import type { Logger } from '../../common/log.js';
import { resolve } from 'node:path';
import { MainRun } from './main-run.js';
import { OutputFiles } from '../results/output-files.js';
import type { ResolvedMasterOptions } from '../master-options.js';
import type { RunPlan } from './run-plan.js';
import { RetryFailed } from './retry-failed.js';
import type { RunTarget } from './run-target.js';
import type { MasterExports } from './task-exports.js';

/** Opens what this master runs: the run, or with `--retry-failed` its dead letters in a state of their own. */
export function openRun(options: ResolvedMasterOptions, { identity, statePath }: RunTarget, exports: MasterExports, logger: Logger): RunPlan {
  const at = (path: string | undefined): string | undefined => path && resolve(options.cwd, path);
  const files = new OutputFiles(at(options.resultsFile), at(options.channelsDir), statePath, options.reset);
  // Results nothing in the master reads but the results file come as JSON text, made in the slaves' threads.
  const resultsAsJson = exports.handleResult === undefined && options.onResult === undefined;
  if (options.retryFailed) return RetryFailed.open(statePath, identity, logger, options.lockStale, { files, resultsAsJson });
  return MainRun.open(statePath, identity, exports, files, { reset: options.reset, lockStale: options.lockStale }, logger, resultsAsJson);
}

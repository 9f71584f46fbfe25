import type { Logger } from '../log.js';
import { MainRun } from './main-run.js';
import type { ResolvedMasterOptions } from './options.js';
import type { RunPlan } from './run-plan.js';
import { defaultStatePath } from './state/checkpoint.js';
import { RetryFailed } from './state/retry-failed.js';
import type { MasterExports } from './task-exports.js';

/** Opens what this master runs: the run, or with `--retry-failed` its dead letters in a state of their own. */
export function openRun(options: ResolvedMasterOptions, exports: MasterExports, logger: Logger): RunPlan {
  const identity = { module: exports.module, fn: options.fn, args: options.args };
  const statePath = options.state ?? defaultStatePath(identity, options.cwd);
  return options.retryFailed ? RetryFailed.open(statePath, identity, logger) : MainRun.open(statePath, identity, exports, options.reset, logger);
}

import type { ArgumentsCamelCase } from 'yargs';
import { parseArgWords } from '../task/arg-words.js';
import { parseTarget } from '../task/load.js';
import type { LogLevel } from '../common/log.js';
import { isLocalOnly } from '../master/listen/address.js';
import type { MasterOptions } from '../master/master-options.js';

export interface MasterArgv {
  address: string;
  size: number;
  state: string | undefined;
  reset: boolean;
  retryFailed: boolean;
  checkpointInterval: number;
  retries: number;
  retryBackoff: number;
  jobTimeout: number;
  lease: number;
  grace: number;
  lockStale: number;
  rate?: string | undefined;
  maxFailures?: string | undefined;
  limit?: number | undefined;
  joblog?: string | undefined;
  results?: string | undefined;
  channels?: string | undefined;
  insecure: boolean;
  curveSecret?: string | undefined;
  authorizedKeys?: string | undefined;
  ship?: boolean | undefined;
  shipExternal?: string[] | undefined;
  allowSkew?: boolean | undefined;
  logLevel: string;
}

/** Turns `module[:fn] key=value…` and the master's flags into master options; `--ship` ships the module's `handleJob` (tm-run's ships its slaves'). */
export function masterOptionsFrom(argv: ArgumentsCamelCase<MasterArgv>, words: readonly string[]): MasterOptions {
  const target = parseTarget(words[0]!);
  return {
    module: target.module,
    fn: target.fn,
    args: parseArgWords(words.slice(1)),
    address: argv.address,
    size: argv.size,
    state: argv.state,
    reset: argv.reset,
    retryFailed: argv.retryFailed,
    checkpointInterval: argv.checkpointInterval,
    retries: argv.retries,
    retryBackoff: argv.retryBackoff,
    jobTimeout: argv.jobTimeout,
    lease: argv.lease,
    grace: argv.grace,
    lockStale: argv.lockStale,
    rate: argv.rate,
    maxFailures: argv.maxFailures,
    limit: argv.limit,
    joblog: argv.joblog,
    resultsFile: argv.results,
    channelsDir: argv.channels,
    insecure: argv.insecure,
    curveSecret: argv.curveSecret,
    authorizedKeys: argv.authorizedKeys,
    ship: argv.ship === true ? { module: target.module, external: argv.shipExternal } : undefined,
    allowSkew: argv.allowSkew,
    logLevel: argv.logLevel as LogLevel,
  };
}

/** The warning to print when `--insecure` lets a master be reached from other hosts, or undefined. */
export function insecureWarning(options: MasterOptions): string | undefined {
  if (options.insecure !== true || options.curveSecret !== undefined || options.address === undefined || isLocalOnly(options.address)) return undefined;
  return `warning: --insecure: ${options.address} can be reached from other hosts, and jobs and results travel unencrypted`;
}

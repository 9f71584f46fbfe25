/**
 * The controls a run against a real system needs, wired once for the master: `--rate` (a token
 * bucket for the batch policy), `--max-failures` (a stop once dead letters pass it), `--limit`
 * (the source takes that many jobs, then the run ends as a stop) and `--joblog` (a line per
 * finished attempt, for which slaves send per-job timings). None costs anything when not asked for.
 */
import type { Logger } from '../../common/log.js';
import { describeMaxFailures, failuresPast, parseMaxFailures, type MaxFailures } from './failure-limit.js';
import { JobLog } from './job-log.js';
import { parseRate, TokenBucket } from './rate-limit.js';

/** Why a run stopped on its own: `--limit` reached (exit 0), or `--max-failures` passed (exit 1). */
export interface Halt {
  readonly reason: 'limit' | 'max-failures';
  /** One line saying why, and how to carry on. */
  readonly message: string;
}

/** The options the controls are made from: the master's resolved options, as far as they concern them. */
export interface ControlOptions {
  readonly rate?: string | undefined;
  readonly maxFailures?: string | number | undefined;
  readonly limit?: number | undefined;
  readonly joblog?: string | undefined;
  /** Where a relative `joblog` resolves from. */
  readonly cwd: string;
}

export interface ControlHooks {
  /** Dispatches again: tokens are due. */
  readonly dispatch: () => void;
  /** `--max-failures` was passed: the run should stop gracefully, naming why. */
  readonly halt: (halt: Halt) => void;
  readonly logger: Logger;
  /** A --retry-failed run's seq in the run of its job `seq`, for the job log. */
  readonly originOf?: ((seq: number) => number) | undefined;
}

export class RunControls {
  /** `--rate`'s bucket, for the batch policy. */
  readonly bucket: TokenBucket | undefined;
  /** `--joblog`'s file, for the recorder. */
  readonly jobLog: JobLog | undefined;
  readonly #maxFailures: MaxFailures | undefined;
  readonly #limit: number | undefined;
  readonly #hooks: ControlHooks;
  #halted = false;

  /** Opens the job log, if any: a file that cannot be opened is a usage error, thrown here. */
  constructor(options: ControlOptions, hooks: ControlHooks) {
    this.#hooks = hooks;
    this.#maxFailures = options.maxFailures === undefined ? undefined : parseMaxFailures(options.maxFailures);
    this.#limit = options.limit;
    this.bucket = options.rate === undefined ? undefined : new TokenBucket({ perSecond: parseRate(options.rate), onRefill: hooks.dispatch });
    this.jobLog = options.joblog === undefined ? undefined : JobLog.open(options.joblog, options.cwd, hooks.originOf);
  }

  /** What the dispatcher is told: the bucket, and whether slaves send per-job timings (for the job log). */
  get dispatching(): { readonly bucket: TokenBucket | undefined; readonly wantTimings: boolean } {
    return { bucket: this.bucket, wantTimings: this.jobLog !== undefined };
  }

  /** What the recorder is told: the job log, and a look at its counts after each report. */
  get recording(): { readonly jobLog: JobLog | undefined; readonly onRecorded: ((counts: { done: number; failed: number }) => void) | undefined } {
    return { jobLog: this.jobLog, onRecorded: this.#maxFailures && ((counts) => this.#recorded(counts)) };
  }

  /** Why a run whose source `--limit` cut off ends, once the jobs it took are done. */
  limitHalt(): Halt {
    const message = `stopped after the ${this.#limit} jobs of --limit ${this.#limit}: run the same command to carry on (with another --limit, or none)`;
    return { reason: 'limit', message };
  }

  /** Stops the bucket's timer and writes out the job log. Rejects if the job log could not be written. */
  async close(): Promise<void> {
    this.bucket?.close();
    await this.jobLog?.close();
  }

  #recorded({ done, failed }: { done: number; failed: number }): void {
    if (this.#halted) return;
    const past = failuresPast(this.#maxFailures!, failed, done + failed);
    if (past === undefined) return;
    const limit = describeMaxFailures(this.#maxFailures!);
    // Said as of the moment it stopped taking work: the jobs in flight then still land, so the
    // summary's counts are higher, and must not read as a contradiction.
    const message = `stopped taking work when ${past}; the jobs then in flight were let finish, and are counted above. The state is kept: run the same command to carry on (a --max-failures above ${limit} lets more fail)`;
    this.#halted = true;
    this.#hooks.logger.error(`stopping: ${past}`);
    this.#hooks.halt({ reason: 'max-failures', message });
  }
}

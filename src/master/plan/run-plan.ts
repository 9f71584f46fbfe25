import type { Ledger } from '../state/ledger.js';
import type { OutputSink } from '../results/output-sink.js';
import type { Checkpoint, RecoveredState } from '../state/checkpoint.js';

/**
 * What a master runs, and where it records it: the run itself (`MainRun`), or a retry of its
 * dead-lettered jobs (`RetryFailed`). The master wires either the same way and never asks which.
 */
export interface RunPlan {
  /** The state the master records completions in, locked for it. */
  readonly checkpoint: Checkpoint;
  /** What an earlier incarnation left in `checkpoint`; undefined when it starts afresh. */
  readonly resumed: RecoveredState | undefined;
  /** Where results and channel output go, attached to `checkpoint`; undefined when nowhere (and always for a retry). */
  readonly outputs: OutputSink | undefined;
  /** How many jobs the run has, when known at the start. */
  readonly total: number | undefined;
  /** The jobs, from after what `ledger` says is finished; throws a UsageError for a generator that is none. */
  jobs(ledger: Ledger): AsyncIterable<unknown> | Iterable<unknown>;
  /** How many jobs the run has, asked of the module while the run goes on; undefined when it cannot say. */
  count(): Promise<number | undefined>;
  /** How far through its data the generator is at `ledger`'s finished prefix (its `progressOf`), 0 to 1; undefined when it cannot say. */
  fractionDone(ledger: Ledger): number | undefined;
  /** The seq in the run of job `seq`, which its handler is told; undefined when they are the same. */
  readonly originOf: ((seq: number) => number) | undefined;
  /** The run's dead-letter file, where jobs that fail for good go (a retry's go back to the run's). */
  readonly deadLetterFile: string;
  /** How job `seq` reads in log lines. */
  describeSeq(seq: number): string;
  /**
   * Folds the outcome (whether the run `finished`) into the run's files and releases them;
   * returns how many jobs are dead-lettered now, when that is not the ledger's count. Throws
   * when the files cannot be written.
   */
  finish(finished: boolean): number | undefined;
  /** Releases the state: for a master that fails to start. Idempotent. */
  close(): void;
}

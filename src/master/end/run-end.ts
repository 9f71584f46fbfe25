/**
 * How a run ends, decided in one place. Every ending reports here as it happens: the generator
 * ended or failed (a throw, a job or cursor that cannot travel), a stop by the caller, `--limit`,
 * `--max-failures`, a state that cannot be written, slaves that failed to start, any other fatal
 * error. The master only carries the decision out; the bins and `run()` read the exit code from
 * the summary and compute none of their own.
 *
 * Precedence, highest first:
 * 1. **failed**: any failure, whenever it came, beats everything. Exit 1 (2 for slaves that could
 *    not load the handler: a usage error). The first failure is the summary's error.
 * 2. **finished**: the generator ended without error and every seq it yielded is done or
 *    dead-lettered (`drained`). Only then is the state marked finished, whatever stop came too.
 *    Exit 0, or 1 with dead letters.
 * 3. **stopped**: by the caller (130 for SIGINT or `stop()`, 143 for SIGTERM) or by
 *    `--max-failures` (exit 1), whichever came first; else by `--limit`, once every job it took
 *    is done (exit 0, or 1 with dead letters).
 */
import { StateError } from '../../common/errors.js';
import { EXIT, signalExitCode } from '../../common/exit-codes.js';
import type { Logger } from '../../common/log.js';
import type { Halt } from '../controls/run-controls.js';
import { unrecordedError } from '../state/checkpoint.js';

/** What a run can end on. Reported to `RunEnd.report`, each as it happens. */
export type Ending =
  | { readonly kind: 'generator-ended' }
  /** The generator took `--limit` jobs: the run ends as a stop once they are done. */
  | { readonly kind: 'limit-reached'; readonly halt: Halt }
  | { readonly kind: 'max-failures'; readonly halt: Halt }
  /** A stop by the caller: a signal, `stop()`, `run()`'s abort. */
  | { readonly kind: 'stop'; readonly signal?: NodeJS.Signals | undefined }
  /** The generator threw, or yielded a job or cursor that cannot travel. */
  | { readonly kind: 'generator-failed'; readonly error: Error }
  | { readonly kind: 'state-unwritable'; readonly error: StateError }
  /** The slaves could not load the handler (or were refused): nothing would ever take a job. */
  | { readonly kind: 'slaves-failed'; readonly error: Error }
  /** Anything else the master cannot go on after (a batch that cannot be packed, a socket gone). */
  | { readonly kind: 'fatal'; readonly error: Error };

export type Failure = Extract<Ending, { error: Error }>;

/** The decision: what the summary says, and the process's exit code. */
export interface Verdict {
  readonly outcome: 'finished' | 'stopped' | 'failed';
  readonly exitCode: number;
  /** The first failure, when the run failed. */
  readonly error?: Error;
  /** Why the run stopped on its own (`--limit`, `--max-failures`); absent for a stop by the caller. */
  readonly halt?: Halt;
}

/** The owner of a run's ending. Reports are facts; `canFinish` and `verdict` are the decisions. */
export class RunEnd {
  readonly #logger: Logger;
  /** Failure lines already said: each reason is printed once, as it happens. */
  readonly #said = new Set<string>();
  #failure: Failure | undefined;
  /** The first stop: by the caller, or by `--max-failures`. */
  #stop: Extract<Ending, { kind: 'stop' | 'max-failures' }> | undefined;
  /** Set once the generator has given its `--limit` jobs: the run ends as a stop once they are all done. */
  #limit: Halt | undefined;
  #generatorEnded = false;
  /** Set by `verdict`: what comes after it (slaves exiting late, say) changes nothing and goes unsaid. */
  #decided = false;

  /** `logger` says each failure's reason, once. */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Records an ending; returns true when it is news that the caller should act on (the first
   * failure, the first stop), false when an earlier ending already decided it. A failure's
   * reason is logged here, once, whichever part of the master met it.
   */
  report(ending: Ending): boolean {
    if (this.#decided) return false;
    switch (ending.kind) {
      case 'generator-ended':
        this.#generatorEnded = true;
        return true;
      case 'limit-reached':
        this.#limit = ending.halt;
        return true;
      case 'stop':
      case 'max-failures':
        if (this.#stop !== undefined) return false;
        this.#stop = ending;
        return true;
      default:
        this.#say(ending.error.message);
        if (this.#failure !== undefined) return false;
        this.#failure = ending;
        return true;
    }
  }

  #say(reason: string): void {
    if (this.#said.has(reason)) return;
    this.#said.add(reason);
    this.#logger.error(reason);
  }

  /** The first failure, if any: a failed run lets in-flight jobs land, or ends at once for a state it cannot write. */
  get failure(): Failure | undefined {
    return this.#failure;
  }

  /**
   * Whether the run is finished once nothing is held (`drained`): the generator ended cleanly and
   * nothing failed. Then it ends now, and its state is marked finished as it does.
   */
  canFinish(drained: boolean): boolean {
    return drained && this.#generatorEnded && this.#failure === undefined;
  }

  /** Whether the run should end now as a stop by `--limit`: its jobs are all taken and all finished. */
  limitDone(drained: boolean): boolean {
    return drained && this.#limit !== undefined && this.#failure === undefined;
  }

  /**
   * The outcome and exit code, once the run's files are closed: `drained` says whether every
   * yielded seq was finished, `deadLettered` how many jobs of the run are dead-lettered now.
   */
  verdict(drained: boolean, deadLettered: number): Verdict {
    this.#decided = true;
    const failure = this.#failure;
    if (failure !== undefined) {
      return { outcome: 'failed', exitCode: failure.kind === 'slaves-failed' ? EXIT.usage : EXIT.failed, error: failure.error };
    }
    const withDeadLetters = deadLettered > 0 ? EXIT.failed : EXIT.ok;
    if (this.canFinish(drained)) return { outcome: 'finished', exitCode: withDeadLetters };
    const stop = this.#stop;
    if (stop?.kind === 'max-failures') return { outcome: 'stopped', exitCode: EXIT.failed, halt: stop.halt };
    if (stop?.kind === 'stop') return { outcome: 'stopped', exitCode: signalExitCode(stop.signal) };
    if (this.limitDone(drained)) return { outcome: 'stopped', exitCode: withDeadLetters, halt: this.#limit };
    // Not reached by the master, which ends only for one of the reasons above; never exit 0 for it.
    return { outcome: 'stopped', exitCode: EXIT.failed };
  }
}

/** A failure to record or close the run's files, as the run's end takes it: a StateError (or any error, for a write of the state itself) is a state that cannot be written. */
export function failureOf(error: unknown, stateWrite = false): Failure {
  if (error instanceof StateError || stateWrite) return { kind: 'state-unwritable', error: unrecordedError(error as Error) };
  return { kind: 'fatal', error: error as Error };
}

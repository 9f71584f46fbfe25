/**
 * The slaves of one run, as one group: those on this host (a Supervisor) and those on other
 * hosts (a Fleet), each optional. Its failure is told once, as it happens, to the run's one owner
 * of its end (LocalRun passes it on to the master): local slaves that cannot load the handler
 * (a usage error), or a fleet with no host left and no local slave besides.
 */
import { UsageError } from '../common/errors.js';
import { EXIT } from '../common/exit-codes.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Supervisor } from '../spawn/supervisor.js';

/** Why the slaves of a run failed: `usage` for a usage error (exit 2), else fatal (exit 1). */
export interface GroupFailure {
  readonly error: Error;
  readonly usage: boolean;
}

export class SlaveGroups {
  /** Resolves once every group has ended. */
  readonly done: Promise<void>;
  /** Resolves when the slaves failed as a whole; never, when they did not. */
  readonly failed: Promise<GroupFailure>;
  readonly #local: Supervisor | undefined;
  readonly #fleet: Fleet | undefined;

  /** `target` names the slaves' module in a failure's line. */
  constructor(local: Supervisor | undefined, fleet: Fleet | undefined, target: string | undefined) {
    this.#local = local;
    this.#fleet = fleet;
    this.done = Promise.all([local?.done, fleet?.done]).then(() => undefined);
    this.failed = new Promise((resolve) => {
      void local?.done.then((code) => {
        if (code === EXIT.usage) resolve({ error: new UsageError(`the slaves of ${target ?? 'the shipped handler'} could not start (exit code 2): a usage error, or refused by the master; their lines above say which`), usage: true });
      });
      void fleet?.done.then((code) => {
        if (code === EXIT.failed && local === undefined) resolve({ error: new Error('no slave is left: every host of --hosts failed (their lines above say why)'), usage: false });
      });
    });
  }

  /** Passes `signal` on to every group (SIGKILL: at once); a second call stops at once. */
  stop(signal?: NodeJS.Signals): void {
    this.#local?.stop(signal);
    this.#fleet?.stop(signal);
  }

  /** The run is over: every group's slaves are told to leave. */
  release(): void {
    this.#local?.release();
    this.#fleet?.release();
  }
}

/**
 * The bound on how long a slave waits for a master that does not come back (`--give-up-after`):
 * started when the slave has no master (at its start, or when its master's connection drops),
 * stopped when one welcomes it. A master that is gone for good then ends the slave, rather than
 * leave it waiting for ever (a pod of an Indexed Job whose master Job was deleted, say).
 */
export class GiveUpClock {
  readonly #ms: number;
  readonly #giveUp: (waitedMs: number) => void;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Calls `giveUp` once `ms` pass without a master; `ms` 0 never does. */
  constructor(ms: number, giveUp: (waitedMs: number) => void) {
    this.#ms = ms;
    this.#giveUp = giveUp;
  }

  /** No master now: the clock runs, unless it runs already (a drop while waiting does not restart it). */
  lost(): void {
    if (this.#ms === 0 || this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#closed = true;
      this.#giveUp(this.#ms);
    }, this.#ms);
  }

  /** A master welcomed us: the clock stops, to start afresh at the next loss. */
  found(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    this.#closed = true;
    this.found();
  }
}

/** No master answered for `--give-up-after` ms (thrown where no slave exists yet to end: fetch-code.ts). */
export class GaveUp extends Error {
  override readonly name = 'GaveUp';
  readonly waitedMs: number;
  constructor(waitedMs: number) {
    super(`no master answered for ${waitedMs} ms (--give-up-after)`);
    this.waitedMs = waitedMs;
  }
}

import type { Ledger } from '../state/ledger.js';

/** A moment of a run, for progress displays and status lines. */
export interface ProgressSnapshot {
  /** Finished over the whole run (done or dead-lettered), across incarnations. */
  readonly finished: number;
  readonly total: number | undefined;
  readonly failed: number;
  readonly inFlight: number;
  readonly buffered: number;
  readonly size: number;
  readonly slaves: number;
  readonly retrying: number;
  /** Jobs a second over the last few seconds. */
  readonly rate: number;
  /** Seconds left at `rate`, when the total is known. */
  readonly etaSeconds: number | undefined;
  readonly elapsedMs: number;
}

type Live = Pick<ProgressSnapshot, 'buffered' | 'size' | 'inFlight' | 'slaves' | 'retrying'>;

/** Derives rate and ETA from the ledger over a sliding window of samples. */
export class RunProgress {
  readonly #ledger: Ledger;
  readonly #started = Date.now();
  #samples: Array<{ at: number; finished: number }> = [];
  total: number | undefined;

  constructor(ledger: Ledger, total: number | undefined) {
    this.#ledger = ledger;
    this.total = total;
  }

  snapshot(live: Live): ProgressSnapshot {
    const now = Date.now();
    const finished = this.#ledger.finished;
    // At most one sample per 100 ms: a flood of STATUS questions must not grow the window.
    const last = this.#samples.at(-1);
    if (last === undefined || now - last.at >= 100) this.#samples.push({ at: now, finished });
    while (this.#samples.length > 2 && now - this.#samples[0]!.at > 5000) this.#samples.shift();
    const first = this.#samples[0]!;
    const rate = now > first.at ? ((finished - first.finished) * 1000) / (now - first.at) : 0;
    const left = this.total === undefined ? undefined : Math.max(0, this.total - finished);
    return {
      ...live,
      finished,
      total: this.total,
      failed: this.#ledger.failed,
      rate,
      etaSeconds: left === undefined || rate <= 0 ? undefined : left / rate,
      elapsedMs: now - this.#started,
    };
  }
}

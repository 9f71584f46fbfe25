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
  /**
   * How far the run is, 0 to 1: finished over total when the total is known, else the source's own
   * measure (`progressOf`: the bytes of its file read, say); undefined when neither is known.
   */
  readonly fraction?: number | undefined;
  /** Seconds left at the recent pace: of jobs against the total, or of `fraction` without one. */
  readonly etaSeconds: number | undefined;
  readonly elapsedMs: number;
}

type Live = Pick<ProgressSnapshot, 'buffered' | 'size' | 'inFlight' | 'slaves' | 'retrying'>;

/** Derives rate and ETA from the ledger over a sliding window of samples. */
export class RunProgress {
  readonly #ledger: Ledger;
  readonly #started = Date.now();
  readonly #fractionDone: () => number | undefined;
  #samples: Array<{ at: number; finished: number; fraction: number | undefined }> = [];
  total: number | undefined;

  /** `fractionDone`: the source's own measure of how far it is, for a run without a total. */
  constructor(ledger: Ledger, total: number | undefined, fractionDone: () => number | undefined = () => undefined) {
    this.#ledger = ledger;
    this.total = total;
    this.#fractionDone = fractionDone;
  }

  snapshot(live: Live): ProgressSnapshot {
    const now = Date.now();
    const finished = this.#ledger.finished;
    const fraction = this.total !== undefined ? (this.total <= 0 ? 1 : Math.min(1, finished / this.total)) : this.#fractionDone();
    // At most one sample per 100 ms: a flood of STATUS questions must not grow the window.
    const last = this.#samples.at(-1);
    if (last === undefined || now - last.at >= 100) this.#samples.push({ at: now, finished, fraction });
    while (this.#samples.length > 2 && now - this.#samples[0]!.at > 5000) this.#samples.shift();
    const first = this.#samples[0]!;
    const rate = now > first.at ? ((finished - first.finished) * 1000) / (now - first.at) : 0;
    return {
      ...live,
      finished,
      total: this.total,
      failed: this.#ledger.failed,
      rate,
      fraction,
      etaSeconds: this.total !== undefined ? (rate <= 0 ? undefined : Math.max(0, this.total - finished) / rate) : etaByFraction(first, fraction, now),
      elapsedMs: now - this.#started,
    };
  }
}

/** Seconds left at the pace `fraction` grew at since the window's first sample; undefined without a pace. */
function etaByFraction(first: { at: number; fraction: number | undefined }, fraction: number | undefined, now: number): number | undefined {
  if (fraction === undefined || first.fraction === undefined) return undefined;
  if (fraction >= 1) return 0;
  const pace = (fraction - first.fraction) / (now - first.at);
  return pace > 0 ? (1 - fraction) / pace / 1000 : undefined;
}

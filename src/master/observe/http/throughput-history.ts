/**
 * The last minutes of a run's progress for the page's chart: how many jobs had finished at each
 * sample, in a ring of fixed size, so a page opened late still draws the minutes before it.
 */

/** A sample every 2 s, 300 of them: the last 10 minutes. */
export const HISTORY_EVERY_MS = 2000;
export const HISTORY_SAMPLES = 300;

export class ThroughputHistory {
  readonly #at = new Float64Array(HISTORY_SAMPLES);
  readonly #finished = new Float64Array(HISTORY_SAMPLES);
  #next = 0;
  #size = 0;

  /** Notes that `finished` jobs had finished at `at` (ms since the epoch). */
  sample(at: number, finished: number): void {
    this.#at[this.#next] = at;
    this.#finished[this.#next] = finished;
    this.#next = (this.#next + 1) % HISTORY_SAMPLES;
    this.#size = Math.min(this.#size + 1, HISTORY_SAMPLES);
  }

  /** The samples, oldest first, as `[at, finished]`. */
  points(): Array<[number, number]> {
    const points: Array<[number, number]> = [];
    const first = (this.#next - this.#size + HISTORY_SAMPLES) % HISTORY_SAMPLES;
    for (let i = 0; i < this.#size; i++) {
      const slot = (first + i) % HISTORY_SAMPLES;
      points.push([this.#at[slot]!, this.#finished[slot]!]);
    }
    return points;
  }
}

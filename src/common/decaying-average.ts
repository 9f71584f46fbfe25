/**
 * A decaying average of a cost per item (handler ms per job), fed sums over groups of items: a
 * DONE's handler time and its jobs. Both the master (to size batches) and the slave (to size its
 * credit) keep one.
 *
 * Weighed by items, not by group: a batch's quick jobs reported early and then its straggler
 * alone must average as the batch's jobs do, not as two samples of equal weight.
 */
export class DecayingAverage {
  /** What a whole group leaves of the past: `keep` ** weight. */
  readonly #keep: number;
  #sum = 0;
  #count = 0;

  /** `keep`: the share of the past that one whole group (weight 1) leaves, e.g. 0.8. */
  constructor(keep: number) {
    this.#keep = keep;
  }

  /** The average per item; undefined until the first item. */
  get value(): number | undefined {
    return this.#count === 0 ? undefined : this.#sum / this.#count;
  }

  /** Folds in `sum` over `count` items, a group of weight `weight` (its share of a whole batch). */
  add(sum: number, count: number, weight: number): void {
    if (count === 0) return;
    const decay = this.#keep ** weight;
    this.#sum = this.#sum * decay + sum;
    this.#count = this.#count * decay + count;
  }
}

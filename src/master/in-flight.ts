import type { PendingJob } from './source.js';
import type { SlaveRecord } from './slave-record.js';

/**
 * The jobs out at slaves, indexed by seq in a ring: every seq in flight lies within the
 * source's window above the watermark, so `seq & mask` never collides while the ring is at
 * least that wide. A lookup is an array load, not a hash.
 */
export class InFlightTable {
  readonly #mask: number;
  readonly #slots: Array<PendingJob | undefined>;
  #size = 0;

  /** `window`: the most seqs between the oldest and the newest job that can be in flight. */
  constructor(window: number) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(window, 1024)));
    this.#mask = capacity - 1;
    this.#slots = new Array<PendingJob | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.#size;
  }

  /** Records `job` as sent to its `owner`. */
  add(job: PendingJob): void {
    const i = job.seq & this.#mask;
    if (this.#slots[i] !== undefined) throw new Error(`seq ${job.seq} collides with seq ${this.#slots[i].seq} in flight: the window is too wide for the table`);
    this.#slots[i] = job;
    this.#size++;
  }

  /** The job `seq` if it is in flight at `owner`. */
  get(seq: number, owner: SlaveRecord): PendingJob | undefined {
    const job = this.#slots[seq & this.#mask];
    return job !== undefined && job.seq === seq && job.owner === owner ? job : undefined;
  }

  remove(job: PendingJob): void {
    const i = job.seq & this.#mask;
    if (this.#slots[i] !== job) return;
    this.#slots[i] = undefined;
    job.owner = undefined;
    this.#size--;
  }

  /** Every job in flight at `owner` (a scan of the ring: for rare events only). */
  ownedBy(owner: SlaveRecord): PendingJob[] {
    return this.#slots.filter((job): job is PendingJob => job !== undefined && job.owner === owner);
  }
}

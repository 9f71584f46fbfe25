import type { Cursor } from '../task.js';
import type { SlaveRecord } from './dispatch/slave-record.js';

/**
 * Every job the master has pulled and not yet finished (buffered, in flight, or waiting to be
 * retried), kept in parallel arrays indexed by `seq & mask`: no object per job, so a billion
 * jobs leave the garbage collector nothing to trace or promote but the job values themselves.
 *
 * Every such seq lies within the source's window above the ledger's watermark (the source stops
 * pulling at the window's edge), so two of them never share a slot while the ring is at least
 * the window wide. Each slot also stores its seq, so a stale or forged seq from a slave that
 * happens to land on an occupied slot is told apart.
 */
export class JobTable {
  readonly #mask: number;
  /** The seq held in each slot, -1 for none. */
  readonly #seqs: Float64Array;
  readonly #jobs: unknown[];
  /** Resume keys, only in cursor mode (withCursor yields): allocated on the first one. */
  #cursors: Array<Cursor | undefined> | undefined;
  /** The slave a job is out at, while in flight. */
  readonly #owners: Array<SlaveRecord | undefined>;
  #size = 0;
  #inFlight = 0;

  /** `window`: the most seqs between the watermark and the newest pulled job. */
  constructor(window: number) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(window, 1024)));
    this.#mask = capacity - 1;
    this.#seqs = new Float64Array(capacity).fill(-1);
    this.#jobs = new Array<unknown>(capacity).fill(undefined);
    this.#owners = new Array<SlaveRecord | undefined>(capacity).fill(undefined);
  }

  /** Jobs held: pulled and not finished. */
  get size(): number {
    return this.#size;
  }

  /** Jobs out at slaves. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Holds a freshly pulled job. */
  put(seq: number, job: unknown, cursor: Cursor | undefined): void {
    const i = seq & this.#mask;
    if (this.#seqs[i] !== -1) throw new Error(`seq ${seq} collides with held seq ${this.#seqs[i]}: the window is too wide for the job table`);
    this.#seqs[i] = seq;
    this.#jobs[i] = job;
    if (cursor !== undefined) (this.#cursors ??= new Array<Cursor | undefined>(this.#mask + 1).fill(undefined))[i] = cursor;
    this.#size++;
  }

  /** Whether `seq` is held. */
  has(seq: number): boolean {
    return this.#seqs[seq & this.#mask] === seq;
  }

  job(seq: number): unknown {
    return this.#jobs[seq & this.#mask];
  }

  cursor(seq: number): Cursor | undefined {
    return this.#cursors?.[seq & this.#mask];
  }

  /** Records `seq` as sent to `slave`. */
  send(seq: number, slave: SlaveRecord): void {
    this.#owners[seq & this.#mask] = slave;
    this.#inFlight++;
  }

  /** Whether `seq` is held and out at `slave`. */
  isAt(seq: number, slave: SlaveRecord): boolean {
    const i = seq & this.#mask;
    return this.#seqs[i] === seq && this.#owners[i] === slave;
  }

  /** Takes `seq` back from the slave it was out at: it is held, no longer in flight. */
  land(seq: number): void {
    const i = seq & this.#mask;
    if (this.#owners[i] === undefined) return;
    this.#owners[i] = undefined;
    this.#inFlight--;
  }

  /** Forgets a finished job, and its value with it. */
  release(seq: number): void {
    const i = seq & this.#mask;
    if (this.#seqs[i] !== seq) return;
    this.land(seq);
    this.#seqs[i] = -1;
    this.#jobs[i] = undefined;
    if (this.#cursors !== undefined) this.#cursors[i] = undefined;
    this.#size--;
  }

  /** Every seq out at `slave` (a scan of the ring: for rare events only). */
  outAt(slave: SlaveRecord): number[] {
    const seqs: number[] = [];
    for (let i = 0; i <= this.#mask; i++) if (this.#owners[i] === slave) seqs.push(this.#seqs[i]!);
    return seqs;
  }
}

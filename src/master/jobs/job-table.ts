import type { Cursor } from '../../task/task.js';

/** Whom a job is out at: the dispatcher's record of a slave, told apart by identity alone. */
export type Owner = object;

/**
 * Every job the master has pulled and not yet finished (buffered, in flight, or waiting to be
 * retried), kept in parallel arrays indexed by `seq & mask`: no object per job, so a billion
 * jobs leave the garbage collector nothing to trace or promote but the job values themselves.
 *
 * Every such seq lies within the source's window above the ledger's watermark (the source stops
 * pulling at the window's edge), so two of them never share a slot once the ring is the window
 * wide. It starts smaller (sized for what a run holds: its buffer and its slaves' credit) and
 * doubles when a seq would land on a held one, up to the window: a run's memory follows what it
 * holds, not the widest gap a stuck job could open. Each slot also stores its seq, so a stale or
 * forged seq from a slave that happens to land on an occupied slot is told apart.
 */
export class JobTable {
  /** The most slots: the window, as a power of two. */
  readonly #maxCapacity: number;
  #mask: number;
  /** The seq held in each slot, -1 for none. */
  #seqs: Float64Array;
  #jobs: unknown[];
  /** Resume keys, only in cursor mode (withCursor yields): allocated on the first one. */
  #cursors: Array<Cursor | undefined> | undefined;
  /** The slave a job is out at, while in flight. */
  #owners: Array<Owner | undefined>;
  #size = 0;
  #inFlight = 0;

  /** `window`: the most seqs between the watermark and the newest pulled job; `initial`: the slots to start with. */
  constructor(window: number, initial = window) {
    this.#maxCapacity = powerOfTwo(window);
    const capacity = Math.min(powerOfTwo(initial), this.#maxCapacity);
    this.#mask = capacity - 1;
    this.#seqs = new Float64Array(capacity).fill(-1);
    this.#jobs = new Array<unknown>(capacity).fill(undefined);
    this.#owners = new Array<Owner | undefined>(capacity).fill(undefined);
  }

  /** Slots in the ring now. */
  get capacity(): number {
    return this.#mask + 1;
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
    while (this.#seqs[seq & this.#mask] !== -1 && this.#mask + 1 < this.#maxCapacity) this.#grow();
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
  send(seq: number, slave: Owner): void {
    this.#owners[seq & this.#mask] = slave;
    this.#inFlight++;
  }

  /** Whether `seq` is held and out at `slave`. */
  isAt(seq: number, slave: Owner): boolean {
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
  outAt(slave: Owner): number[] {
    const seqs: number[] = [];
    for (let i = 0; i <= this.#mask; i++) if (this.#owners[i] === slave) seqs.push(this.#seqs[i]!);
    return seqs;
  }

  /** Doubles the ring, each held job moving to its slot in the wider one. */
  #grow(): void {
    const [seqs, jobs, cursors, owners] = [this.#seqs, this.#jobs, this.#cursors, this.#owners];
    const capacity = 2 * seqs.length;
    this.#mask = capacity - 1;
    this.#seqs = new Float64Array(capacity).fill(-1);
    this.#jobs = new Array<unknown>(capacity).fill(undefined);
    this.#owners = new Array<Owner | undefined>(capacity).fill(undefined);
    this.#cursors = cursors && new Array<Cursor | undefined>(capacity).fill(undefined);
    for (let from = 0; from < seqs.length; from++) {
      const seq = seqs[from]!;
      if (seq === -1) continue;
      const to = seq & this.#mask;
      this.#seqs[to] = seq;
      this.#jobs[to] = jobs[from];
      this.#owners[to] = owners[from];
      if (cursors !== undefined) this.#cursors![to] = cursors[from];
    }
  }
}

/** The smallest power of two >= `n`, and at least 1024. */
function powerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(n, 1024)));
}

/**
 * A batch's progress region, shared by the pool (main thread) and the thread running the
 * batch: a header of Int32 entries, then one byte of state per job of the batch.
 */

/** Int32 entries of the header: [jobs finished, threadId of the thread running the batch, who claimed the batch]. */
export const HEADER_FIELDS = 3;
export const FINISHED = 0;
export const THREAD = 1;
export const CANCEL = 2;
/** Values of the CANCEL entry, set once by compare-exchange from 0, so thread and pool never both claim a batch. */
export const STARTED = 1;
export const CALLED_OFF = 2;
/** Where the job states start: one byte per job, from here on. */
export const STATES_AT = HEADER_FIELDS * Int32Array.BYTES_PER_ELEMENT;
/**
 * A job's state byte: not started yet (0), running, finished (its outcome is in the thread's
 * reply), or finished and posted in a partial report (which the pool may not have received).
 */
export const RUNNING = 1;
export const DONE = 2;
export const REPORTED = 3;

/** Least room for job states a region is given; it grows (doubling) for a bigger batch. */
const FIRST_ROOM = 1024;

/** The main thread's side of one progress region, reused batch after batch, grown when one needs more room. */
export class BatchProgress {
  #buffer = new SharedArrayBuffer(STATES_AT);
  #header = new Int32Array(this.#buffer, 0, HEADER_FIELDS);
  #states: Uint8Array = new Uint8Array(this.#buffer, STATES_AT);

  /** The region, to hand to the thread with the batch. */
  get buffer(): SharedArrayBuffer {
    return this.#buffer;
  }

  /** Readies the region for a batch of `count` jobs: nobody has claimed it, and no job has started. */
  reset(count: number): void {
    if (count > this.#states.length) {
      // A fresh buffer is zeroed. (A thread that held the old one is done with it: the region was free.)
      this.#buffer = new SharedArrayBuffer(STATES_AT + Math.max(count, 2 * this.#states.length, FIRST_ROOM));
      this.#header = new Int32Array(this.#buffer, 0, HEADER_FIELDS);
      this.#states = new Uint8Array(this.#buffer, STATES_AT);
      return;
    }
    this.#states.fill(0, 0, count);
    Atomics.store(this.#header, FINISHED, 0);
    Atomics.store(this.#header, THREAD, 0);
    Atomics.store(this.#header, CANCEL, 0);
  }

  /** The threadId of the thread that claimed the batch and runs its jobs, 0 while none has. */
  get thread(): number {
    return Atomics.load(this.#header, THREAD);
  }

  /** Jobs of the batch finished so far, as the thread counts them live (for the watchdog). */
  get finished(): number {
    return Atomics.load(this.#header, FINISHED);
  }

  /** Calls the batch off unless a thread claimed it first; true when it is called off. */
  callOff(): boolean {
    return Atomics.compareExchange(this.#header, CANCEL, 0, CALLED_OFF) === 0;
  }

  /**
   * What the job states say once the thread is dead: the indexes of the jobs that were running,
   * in order, and how many had finished, reported or not. (Only then: a live thread writes them
   * without Atomics.)
   */
  wreck(count: number): { running: number[]; finished: number } {
    const running: number[] = [];
    let finished = 0;
    for (let i = 0; i < count; i++) {
      const state = this.#states[i];
      if (state === RUNNING) running.push(i);
      else if (state === DONE || state === REPORTED) finished++;
    }
    return { running, finished };
  }
}

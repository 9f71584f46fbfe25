/**
 * The results of a run as an async iterator, with backpressure: the master's result path puts
 * each result in with `push` and waits while CAPACITY wait unread, so an iterator nobody reads
 * holds dispatch back (the recorder waits for the results of a DONE before it takes the next
 * message) instead of filling memory. Its one reader takes them in the order they came.
 */

/** Results held unread before `push` makes the run wait. */
export const CAPACITY = 1024;

/** Why the results of a run started without `results: true` cannot be iterated. */
const NOT_WANTED = '`handle.results` holds nothing: start the run with `results: true` to collect each job and its result';

interface Waiting<T> {
  readonly item: T;
  readonly resolve: () => void;
}

export class ResultQueue<T> implements AsyncIterable<T> {
  readonly #capacity: number;
  /** Unread items from `#head` on, oldest first; the read ones are cut off now and then. */
  #items: T[] = [];
  #head = 0;
  /** Pushes past capacity, from `#waitHead` on: at most the results of the DONE being recorded. */
  #waiting: Array<Waiting<T>> = [];
  #waitHead = 0;
  #reader: ((next: IteratorResult<T>) => void) | undefined;
  #failReader: ((error: unknown) => void) | undefined;
  #closed = false;
  #error: unknown;
  #failed = false;
  /** The reader stopped (`break`): results are dropped from now on, and the run goes on. */
  #detached = false;
  #iterated = false;
  readonly #wanted: boolean;

  /** Unless `wanted` (run()'s `results: true`), nothing is kept: pushes are dropped and iterating throws a TypeError that says why. */
  constructor(capacity = CAPACITY, wanted = true) {
    this.#capacity = capacity;
    this.#wanted = wanted;
  }

  /** Results unread. */
  get size(): number {
    return this.#items.length - this.#head + this.#waiting.length - this.#waitHead;
  }

  /** Adds a result; resolves once it is read or held within capacity. */
  push(item: T): Promise<void> | undefined {
    if (this.#closed || this.#detached || !this.#wanted) return undefined;
    if (this.#reader !== undefined) {
      const reader = this.#reader;
      this.#clearReader();
      reader({ value: item, done: false });
      return undefined;
    }
    if (this.#items.length - this.#head < this.#capacity) {
      this.#items.push(item);
      return undefined;
    }
    return new Promise((resolve) => this.#waiting.push({ item, resolve }));
  }

  /** No more results: the reader ends once it has read what is held. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.size === 0) this.#settleReader();
  }

  /** The run failed: the reader throws `error` once it has read what is held. */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#failed = true;
    this.#error = error;
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    // Loud, not an empty loop: a reader that forgot the option would see a run without results.
    if (!this.#wanted) throw new TypeError(NOT_WANTED);
    if (this.#iterated) throw new Error('the results of a run can be iterated once');
    this.#iterated = true;
    return {
      next: () => this.#next(),
      return: () => {
        this.#detach();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++]!;
      this.#refill();
      return Promise.resolve({ value, done: false });
    }
    if (this.#closed || this.#detached) return this.#failed && !this.#detached ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#reader = resolve;
      this.#failReader = reject;
    });
  }

  /** Moves waiting pushes into the room a read made, and lets them go on. */
  #refill(): void {
    if (this.#head > this.#capacity) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    while (this.#waitHead < this.#waiting.length && this.#items.length - this.#head < this.#capacity) {
      const { item, resolve } = this.#waiting[this.#waitHead++]!;
      this.#items.push(item);
      resolve();
    }
    if (this.#waitHead === this.#waiting.length) {
      this.#waiting = [];
      this.#waitHead = 0;
    }
    if (this.#closed && this.size === 0) this.#settleReader();
  }

  #detach(): void {
    this.#detached = true;
    this.#items = [];
    this.#head = 0;
    for (const { resolve } of this.#waiting.slice(this.#waitHead)) resolve();
    this.#waiting = [];
    this.#waitHead = 0;
    this.#settleReader();
  }

  #settleReader(): void {
    const reader = this.#reader;
    const failReader = this.#failReader;
    this.#clearReader();
    if (this.#failed && !this.#detached) failReader?.(this.#error);
    else reader?.({ value: undefined, done: true });
  }

  #clearReader(): void {
    this.#reader = undefined;
    this.#failReader = undefined;
  }
}

/**
 * The run's end: the slaves told QUIT whose BYE has not come yet, and the wait for them. They
 * stay members meanwhile, so the bar and tm-status still count them as the run closes.
 */
import type { SlaveRecord } from './slave-record.js';

export class QuitAnswers {
  readonly #waiting = new Set<SlaveRecord>();
  #asked = false;
  #allIn: (() => void) | undefined;

  /** Whether QUIT has gone out: a BYE now answers it. */
  get asked(): boolean {
    return this.#asked;
  }

  /** `slave` was sent QUIT. */
  ask(slave: SlaveRecord): void {
    this.#asked = true;
    this.#waiting.add(slave);
  }

  /** `slave` said BYE to its QUIT. */
  answered(slave: SlaveRecord): void {
    this.#waiting.delete(slave);
    if (this.#waiting.size === 0) this.#allIn?.();
  }

  /** Resolves once every slave asked has answered, or after `withinMs`. */
  async all(withinMs: number): Promise<void> {
    if (this.#waiting.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#allIn = resolve;
      timer = setTimeout(resolve, withinMs);
    });
    clearTimeout(timer);
    this.#allIn = undefined;
  }
}

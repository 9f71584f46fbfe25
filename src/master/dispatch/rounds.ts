/**
 * Which slaves a dispatch looks at. Only those that, by their own state, may take a batch
 * (BatchPolicy.wants) are kept, and after a message from one slave only that slave is looked at,
 * unless something that concerns the others changed: jobs became ready, a slave joined or went,
 * the generator ended, or a rate limit is on. So a message costs the same with a thousand slaves
 * as with ten (a profile at 1,000 slaves had 78% of the master's time in a loop over all of them
 * on every message).
 *
 * Why looking at one slave is enough: a pass over every wanting slave ends only when none got a
 * batch or no job is ready; a refused slave stays refused until its own state changes (its own
 * message, after which it is looked at) or more jobs are ready (then a whole pass is made).
 */
import type { JobSource } from '../jobs/job-buffer.js';
import type { BatchPolicy } from './batch-policy.js';
import type { InFlight } from './in-flight.js';
import type { Membership } from './membership.js';
import type { SlaveRecord } from './slave-record.js';

export class Rounds {
  readonly #policy: BatchPolicy;
  readonly #inFlight: InFlight;
  readonly #members: Membership;
  readonly #source: JobSource;
  /** Every slave that wants a batch, in the order it came to want one. */
  readonly #wanting = new Set<SlaveRecord>();
  /** The generator had ended at the last pass: every slave's wish was looked at again then. */
  #sawExhausted = false;
  /** A slave joined or went since the last whole pass: `alone` and `threads` may have changed. */
  #membersChanged = false;

  constructor(policy: BatchPolicy, inFlight: InFlight, members: Membership, source: JobSource) {
    this.#policy = policy;
    this.#inFlight = inFlight;
    this.#members = members;
    this.#source = source;
  }

  /** Jobs ready to go now (buffered, and retries whose backoff is over). */
  get ready(): number {
    return this.#policy.ready;
  }

  /** Puts `slave` in the set a pass looks at, or out of it, as its own state now says. */
  review(slave: SlaveRecord): void {
    if (this.#members.has(slave) && this.#policy.wants(slave)) this.#wanting.add(slave);
    else this.#wanting.delete(slave);
  }

  /** A slave joined, or went (`slave`): it leaves the set, and the next dispatch is a whole pass. */
  changed(slave?: SlaveRecord): void {
    if (slave !== undefined) this.#wanting.delete(slave);
    this.#membersChanged = true;
  }

  /**
   * After a message from `slave`: looks at it alone, or at every wanting slave when more jobs are
   * ready than `readyBefore` (the count before the message) or a pass is due for another reason.
   */
  after(slave: SlaveRecord, readyBefore: number, rateLimited: boolean): void {
    this.review(slave);
    if (rateLimited || this.#membersChanged || this.#policy.ready > readyBefore || this.#source.exhausted !== this.#sawExhausted) return this.all();
    const alone = this.#members.size === 1;
    const threads = this.#members.threads;
    while (this.#wanting.has(slave) && this.#policy.anyReady && this.#send(slave, threads, alone));
  }

  /** Sends batches to every wanting slave, one per slave per round, until none takes one or no job is ready. */
  all(): void {
    const policy = this.#policy;
    // Once the generator has ended, busy slaves take what is left in smaller batches: each is looked at again.
    if (this.#source.exhausted && !this.#sawExhausted) {
      this.#sawExhausted = true;
      for (const slave of this.#members) this.review(slave);
    }
    this.#membersChanged = false;
    const alone = this.#members.size === 1;
    const threads = this.#members.threads;
    let sent = true;
    while (sent && policy.anyReady) {
      sent = false;
      // A slave that still wants more keeps its place in the set; one that no longer does leaves it.
      for (const slave of this.#wanting) {
        if (!policy.anyReady) return;
        if (this.#send(slave, threads, alone)) sent = true;
      }
    }
  }

  /** Sends `slave` its next batch, if the policy gives it one. */
  #send(slave: SlaveRecord, threads: number, alone: boolean): boolean {
    const seqs = this.#policy.take(slave, threads, alone);
    if (seqs.length === 0) return false;
    this.#inFlight.send(slave, seqs);
    this.review(slave);
    return true;
  }
}

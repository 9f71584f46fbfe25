/**
 * Group commit for a handler's upserts: the rows of the jobs a thread runs at once (its
 * `--concurrency` lanes) go to PostgreSQL as one statement, and each job's promise settles with
 * it: a failed statement fails the jobs in it, which the engine retries.
 */
import type pg from 'pg';
import { UPSERT, upsertParams, type UserV2 } from './users.js';

interface Gathering {
  readonly users: UserV2[];
  readonly committed: Promise<void>;
}

export class UpsertBatches {
  readonly #pool: pg.Pool;
  readonly #most: number;
  #open: Gathering | undefined;

  /** `most`: rows a statement takes at most. */
  constructor(pool: pg.Pool, most: number) {
    this.#pool = pool;
    this.#most = most;
  }

  /** Adds `user` to the statement being gathered, sent once this turn of the event loop is over; settles as it commits. */
  add(user: UserV2): Promise<void> {
    if (this.#open === undefined || this.#open.users.length >= this.#most) {
      const users: UserV2[] = [];
      // setImmediate: after every lane started this turn has added its row.
      const committed = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        if (this.#open?.users === users) this.#open = undefined;
        await this.#pool.query(UPSERT, upsertParams(users));
      });
      this.#open = { users, committed };
    }
    this.#open.users.push(user);
    return this.#open.committed;
  }
}

/**
 * The job log's line (`--joblog`), in one place for both its writers: the master, for any
 * attempt, and a slave, for a DONE whose jobs all succeeded at their first attempt (DONE's
 * `logLines`, which the master then copies as they came). Written as bytes into a LineBuffer.
 *
 *   {"seq":12,"attempt":0,"slave":"host-31-ab12cd34","start":1765152000123,"ms":0.042,"outcome":"ok"}
 */
import type { LineBuffer } from '../common/line-buffer.js';

/** What became of one attempt, as `outcome` says it: done, failed (and retried), or dead-lettered. */
export const OK = 0;
export const FAILED = 1;
export const DEAD = 2;
export type Outcome = typeof OK | typeof FAILED | typeof DEAD;
const OUTCOMES = [',"outcome":"ok"}', ',"outcome":"failed"', ',"outcome":"dead"'] as const;

/** Writes the lines of one slave's jobs (the parts that name it made once, as bytes). */
export class JobLogLines {
  readonly #lines: LineBuffer;
  readonly #firstTry: Buffer;
  readonly #retry: Buffer;

  /** `slave`: the master's key for the slave (its ZeroMQ routing id, read as latin1). */
  constructor(lines: LineBuffer, slave: string) {
    this.#lines = lines;
    const name = JSON.stringify(slave);
    this.#firstTry = Buffer.from(`,"attempt":0,"slave":${name},"start":`);
    this.#retry = Buffer.from(`,"slave":${name},"start":`);
  }

  /**
   * Writes a line: `start` (ms since the epoch) and `ms` as `null` when the slave sent no timings;
   * `error` (the message of a failure, or null) only for an outcome other than OK.
   */
  line(seq: number, attempt: number, start: number | undefined, ms: number, outcome: Outcome, error?: string | null): void {
    const lines = this.#lines;
    lines.ascii('{"seq":');
    lines.int(seq);
    if (attempt === 0) lines.bytes(this.#firstTry);
    else {
      lines.ascii(',"attempt":');
      lines.int(attempt);
      lines.bytes(this.#retry);
    }
    if (start === undefined) lines.ascii('null,"ms":null');
    else {
      lines.int(Math.round(start));
      lines.ascii(',"ms":');
      lines.fixed3(ms);
    }
    lines.ascii(OUTCOMES[outcome]);
    if (outcome !== OK) lines.bytes(Buffer.from(`,"error":${JSON.stringify(error ?? null)}}`));
    lines.endLine();
  }
}

/**
 * `--joblog FILE.jsonl`: one JSON line per finished attempt (seq, attempt, slave id, start time,
 * milliseconds, outcome, the error of a failure), appended, as GNU parallel's `--joblog` and
 * BullMQ's events give. Lines are written into buffers as each DONE is recorded (line-buffer.ts:
 * no string per job) and to the file behind it, a chunk at a time, by libuv; once WRITE_BEHIND
 * bytes wait, recording waits for the disk, so a slow disk slows dispatch rather than filling memory.
 */
import { closeSync, fsyncSync, openSync, writeFile } from 'node:fs';
import { BackgroundSync } from '../../common/background-sync.js';
import { resolve } from 'node:path';
import { UsageError } from '../../common/errors.js';
import type { WireError } from '../../protocol/messages.js';
import { LineBuffer } from '../../common/line-buffer.js';
import { JobLogLines, OK, type Outcome } from '../../protocol/job-log-line.js';

export { DEAD, FAILED, OK } from '../../protocol/job-log-line.js';

/** Bytes gathered before a write; fewer are written after FLUSH_MS. */
const CHUNK = 256 * 1024;
/** Most bytes waiting for the disk before recording waits for it. */
const WRITE_BEHIND = 4 * 1024 * 1024;
const FLUSH_MS = 200;


/** The recorder's report, as far as the job log reads it. */
export interface LoggedReport {
  readonly slave: { readonly key: string };
  readonly seqs: readonly number[];
  readonly errors: ReadonlyArray<WireError | undefined> | undefined;
  /** `[start (ms since the epoch), ms]` per seq, when the slave sent them. */
  readonly timings?: ArrayLike<number> | undefined;
  /** The lines of every seq, made by the slave (DONE's `logLines`) when it held all of them: right when each job succeeded at its first attempt. */
  readonly logLines?: Uint8Array | undefined;
}

/** How each job of a report ended: an outcome per job, its attempt (0-based; all 0 when omitted), and errors of `handleResult`. */
export interface Outcomes {
  readonly outcomes: Uint8Array;
  readonly attempts: readonly number[] | undefined;
  readonly resultErrors: ReadonlyArray<WireError | undefined> | undefined;
}

export class JobLog {
  readonly path: string;
  readonly #fd: number;
  /** A --retry-failed run's seq in the run of its job `seq`. */
  readonly #originOf: ((seq: number) => number) | undefined;
  readonly #lines = new LineBuffer(CHUNK, (buffer, length) => this.#queue(buffer, length));
  /** Chunks waiting for the disk, oldest first (a buffer and its length), and their bytes; the first is being written. */
  #chunks: Array<readonly [Buffer, number]> = [];
  #queued = 0;
  #writing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  /** Syncs as the log grows, so that close has little left to sync. */
  readonly #background: BackgroundSync;
  #timer: NodeJS.Timeout | undefined;
  #error: Error | undefined;
  #closed = false;

  private constructor(path: string, fd: number, originOf: ((seq: number) => number) | undefined) {
    this.path = path;
    this.#fd = fd;
    this.#background = new BackgroundSync(fd);
    this.#originOf = originOf;
  }

  /** Opens `path` (against `cwd`) for appending; a file that cannot be opened is a usage error. */
  static open(path: string, cwd: string, originOf?: (seq: number) => number): JobLog {
    const full = resolve(cwd, path);
    try {
      return new JobLog(full, openSync(full, 'a'), originOf);
    } catch (error) {
      throw new UsageError(`cannot open \`--joblog\` ${full}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Appends a line per job of `report`. Returns a promise only while WRITE_BEHIND bytes wait for
   * the disk: the caller awaits it before taking more work. Throws once a write has failed.
   */
  write(report: LoggedReport, { outcomes, attempts, resultErrors }: Outcomes): Promise<void> | undefined {
    if (this.#error !== undefined) throw this.#error;
    const { seqs, errors, timings } = report;
    // A DONE whose jobs all succeeded at their first attempt brings its lines made: the slave formatted them.
    const made = report.logLines !== undefined && this.#originOf === undefined && (attempts?.every((attempt) => attempt === 0) ?? true) && outcomes.every((outcome) => outcome === OK);
    if (made) {
      // Lines written before go first; the block is written as it came, a view of the received frame.
      const block = report.logLines!;
      this.#lines.flush();
      this.#queue(Buffer.from(block.buffer, block.byteOffset, block.byteLength), block.byteLength);
    } else {
      const lines = new JobLogLines(this.#lines, report.slave.key);
      const originOf = this.#originOf;
      for (let i = 0; i < seqs.length; i++) {
        const outcome = outcomes[i]! as Outcome;
        const seq = originOf === undefined ? seqs[i]! : originOf(seqs[i]!);
        const error = outcome === OK ? undefined : (errors?.[i] ?? resultErrors?.[i])?.message;
        lines.line(seq, attempts?.[i] ?? 0, timings?.[2 * i], timings?.[2 * i + 1] ?? 0, outcome, error);
      }
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#lines.flush();
    }, FLUSH_MS).unref();
    if (this.#queued < WRITE_BEHIND) return undefined;
    return new Promise((resolve) => (this.#drained = resolve));
  }

  /** Writes what is left, syncs and closes the file. Throws the first write's error, if any failed. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#lines.flush();
    try {
      while (this.#writing !== undefined) await this.#writing;
      await this.#background.settled();
      const failed = this.#background.error;
      if (failed !== undefined) this.#error ??= new Error(`cannot sync the job log ${this.path}: ${failed.message}`, { cause: failed });
      if (this.#error === undefined) fsyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
    }
    if (this.#error !== undefined) throw this.#error;
  }

  #queue(buffer: Buffer, length: number): void {
    // After a failed write nothing more is written (and #writeAll, which awaits a write before it ends, is not started again).
    if (this.#error !== undefined) return;
    this.#chunks.push([buffer, length]);
    this.#queued += length;
    this.#writing ??= this.#writeAll();
  }

  /** Writes the queued chunks one after another, until none is left (or one fails: the rest are dropped). */
  async #writeAll(): Promise<void> {
    while (this.#chunks.length > 0 && this.#error === undefined) {
      const [buffer, length] = this.#chunks[0]!;
      await this.#write(buffer.subarray(0, length));
      this.#chunks.shift();
      this.#queued -= length;
      this.#background.wrote(length);
      this.#lines.reuse(buffer);
      if (this.#queued < WRITE_BEHIND) this.#release();
    }
    this.#chunks = [];
    this.#queued = 0;
    this.#release();
    this.#writing = undefined;
  }

  #release(): void {
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }

  /** Appends `chunk` (all of it: writeFile loops on short writes); a failure is kept, and thrown at the next write. */
  #write(chunk: Buffer): Promise<void> {
    return new Promise((done) =>
      writeFile(this.#fd, chunk, (error) => {
        // A run that cannot log stops (exit 1), as a generator that throws: its checkpoint is still good.
        if (error !== null) this.#error ??= new Error(`cannot write the job log ${this.path}: ${error.message}`, { cause: error });
        done();
      }),
    );
  }
}

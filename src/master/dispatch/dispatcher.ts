import type { Router } from 'zeromq';
import { encodeMessage, pack } from '../../protocol/codec.js';
import { PROTOCOL_VERSION, type Done, type Hello, type MasterMessage, type WireError } from '../../protocol/messages.js';
import { forEachSeq, toRuns, type SeqRuns } from '../../protocol/seq-runs.js';
import { Outbox } from '../../protocol/outbox.js';
import { decodeSlaveMessage, reasonKind } from '../../protocol/validate.js';
import type { Logger } from '../../log.js';
import { BATCH_BYTES, BatchBytes, MAX_JOB_BYTES } from './batch-bytes.js';
import type { JobTable } from '../job-table.js';
import { SlaveRecord } from './slave-record.js';
import type { JobSource } from '../source.js';

/** What a slave reported for jobs it had: each job's error if it failed, its result if wanted. */
export interface Report {
  readonly slave: SlaveRecord;
  /** The jobs' seqs, in the order reported; the jobs are still held in the table. */
  readonly seqs: readonly number[];
  /** Per job, the error of a failure, when any failed. */
  readonly errors: ReadonlyArray<WireError | undefined> | undefined;
  /** Per job, its result, when results are wanted. */
  readonly results: readonly unknown[] | undefined;
}

export interface DispatcherOptions {
  readonly runId: string;
  readonly lease: number;
  readonly jobTimeout: number;
  readonly wantResults: boolean;
  /** Handles a DONE batch; the next message waits for it (backpressure on slow result handlers). */
  readonly onReport: (report: Report) => Promise<void> | void;
  /** Called when in-flight jobs go back to the buffer (lease expiry, BYE, reconnect). */
  readonly onRequeue?: (count: number, why: string) => void;
  readonly logger: Logger;
  /** A --retry-failed run: the seq in the run of its job `seq`, which handlers are told. */
  readonly originOf?: ((seq: number) => number) | undefined;
  /** Milliseconds of work a batch should carry (a batch runs on one thread). @default 50 */
  readonly batchMs?: number;
  /** Most jobs in a batch, however quick: tiny jobs travel in batches this big. @default 4000 */
  readonly maxBatch?: number;
}

/** Counters for what the dispatcher refused, for logs and tests. */
export interface DispatcherStats {
  dropped: number;
  requeued: number;
  /** JOBS messages sent, and the jobs in them: their ratio is the mean batch size. */
  batches: number;
  jobsSent: number;
}

/**
 * The ROUTER side of the protocol: admits slaves, sends batches as far as each slave's credit
 * allows, matches DONEs to what was sent, and takes jobs back from slaves that leave or go
 * silent past their lease.
 */
export class Dispatcher {
  readonly #socket: Router;
  readonly #source: JobSource;
  readonly #options: DispatcherOptions;
  readonly #slaves = new Map<string, SlaveRecord>();
  readonly #table: JobTable;
  /** Retries whose backoff is over, each preferring a slave other than the one it failed on. */
  #retries: Array<{ seq: number; avoid: string }> = [];
  readonly #outbox: Outbox;
  readonly #batchBytes = new BatchBytes();
  #paused = false;
  #leaseTimer: NodeJS.Timeout;
  readonly stats: DispatcherStats = { dropped: 0, requeued: 0, batches: 0, jobsSent: 0 };

  constructor(socket: Router, source: JobSource, table: JobTable, options: DispatcherOptions) {
    this.#socket = socket;
    this.#source = source;
    this.#table = table;
    this.#options = options;
    this.#outbox = new Outbox(socket, (error) => options.logger.limited('warn', 'send', `send failed: ${error.message}`));
    this.#leaseTimer = setInterval(() => this.#expireLeases(), Math.max(50, Math.min(options.lease / 4, 1000)));
    this.#leaseTimer.unref();
  }

  get inFlight(): number {
    return this.#table.inFlight;
  }

  get slaves(): number {
    return this.#slaves.size;
  }

  /** Retries released from backoff but not yet sent. */
  get retriesReady(): number {
    return this.#retries.length;
  }

  /** Receives until the socket closes: one loop, one message at a time. */
  async serve(): Promise<void> {
    for await (const [id, ...frames] of this.#socket) {
      if (id === undefined) continue;
      const decoded = decodeSlaveMessage(frames);
      if (!decoded.ok) {
        this.#drop(id, reasonKind(decoded.reason), decoded.reason);
        continue;
      }
      const message = decoded.message;
      if (message.command === 'HELLO') {
        this.#admit(id, message);
        continue;
      }
      const slave = this.#slaves.get(id.toString('latin1'));
      if (slave === undefined) {
        // A slave we expired, or one that outlived the previous master: make it start over.
        this.#send(id, { command: 'REJECT', reason: 'unknown slave: say HELLO', rehello: true });
        continue;
      }
      if (message.run !== this.#options.runId) {
        this.#drop(id, 'stale run id', `stale run id ${message.run}`);
        continue;
      }
      slave.lastSeen = Date.now();
      switch (message.command) {
        case 'CREDIT':
          if (!slave.leaving) slave.grant(message.credit);
          break;
        case 'DONE':
          await this.#done(slave, message);
          break;
        case 'PING':
          break;
        case 'BYE':
          // Unstarted jobs go to others now; the running ones may still report.
          slave.leaving = true;
          slave.credit = 0;
          this.#giveBack(slave, message.returned, 'slave leaving');
          if (slave.inFlight === 0) this.#letGo(slave);
          break;
      }
      this.dispatch();
    }
  }

  /** Queues a retry whose backoff is over; it goes out ahead of new jobs. */
  retry(seq: number, avoid: string): void {
    this.#retries.push({ seq, avoid });
    this.dispatch();
  }

  /** Sends batches to every slave with credit, one batch per slave per round. */
  dispatch(): void {
    if (this.#paused) return;
    let sent = true;
    while (sent) {
      sent = false;
      for (const slave of this.#slaves.values()) {
        if (slave.credit === 0) continue;
        const jobs = this.#takeFor(slave);
        if (jobs.length === 0) continue;
        this.#sendJobs(slave, jobs);
        sent = true;
      }
    }
  }

  /** Stops sending new work; what is in flight may still finish. */
  pause(): void {
    this.#paused = true;
  }

  /** Tells every slave the run is over. */
  quitAll(): void {
    for (const slave of this.#slaves.values()) this.#send(slave.id, { command: 'QUIT', run: this.#options.runId });
  }

  /** Resolves once every queued message has been handed to ZeroMQ. */
  flush(): Promise<void> {
    return this.#outbox.flush();
  }

  close(): void {
    clearInterval(this.#leaseTimer);
    const { batches, jobsSent, dropped, requeued } = this.stats;
    this.#options.logger.debug(`sent ${jobsSent} jobs in ${batches} batches; dropped ${dropped} messages; requeued ${requeued} jobs`);
  }

  #takeFor(slave: SlaveRecord): number[] {
    const { batchMs = 50, maxBatch = 4000 } = this.#options;
    if (!this.#source.exhausted && slave.shouldWait(batchMs, maxBatch)) return [];
    let n = this.#batchBytes.limit(slave.batchSize(batchMs, maxBatch));
    // A busy slave waits for the generator to fill a whole batch; the buffer announces it.
    if (!this.#source.exhausted && slave.inFlight > 0 && this.#source.length + this.#retries.length < n) return [];
    // Near the end, share what is left among the slaves' threads (a batch runs on one) rather than hand it all to one.
    if (this.#source.exhausted) n = Math.min(n, Math.max(1, Math.ceil((this.#source.length + this.#retries.length) / this.#threads())));
    const seqs: number[] = [];
    if (this.#retries.length > 0) {
      const alone = this.#slaves.size === 1;
      const keep: Array<{ seq: number; avoid: string }> = [];
      for (const r of this.#retries) {
        if (seqs.length < n && (alone || r.avoid !== slave.key)) seqs.push(r.seq);
        else keep.push(r);
      }
      this.#retries = keep;
    }
    if (seqs.length < n) seqs.push(...this.#source.take(n - seqs.length));
    return seqs;
  }

  /** Threads across the slaves. */
  #threads(): number {
    let threads = 0;
    for (const slave of this.#slaves.values()) threads += slave.threads;
    return threads;
  }

  #admit(id: Buffer, hello: Hello): void {
    if (hello.version !== PROTOCOL_VERSION) {
      this.#send(id, { command: 'REJECT', reason: `protocol version ${hello.version} is not ${PROTOCOL_VERSION}`, rehello: false });
      return;
    }
    const known = this.#slaves.get(id.toString('latin1'));
    // A known slave saying HELLO again lost its connection: JOBS sent meanwhile may be lost.
    if (known !== undefined) {
      this.#giveBack(known, undefined, 'slave reconnected');
      this.#slaves.delete(known.key);
    }
    const slave = new SlaveRecord(id, hello, Date.now());
    this.#slaves.set(slave.key, slave);
    if (known === undefined) this.#options.logger.info(`slave ${slave.name} joined (${hello.threads} threads, capacity ${hello.capacity})`);
    const { runId: run, jobTimeout, lease, wantResults } = this.#options;
    this.#send(id, { command: 'WELCOME', run, jobTimeout, lease, wantResults });
  }

  /** Sends `seqs` to `slave` as one JOBS, or as several if they pack to more than BATCH_BYTES. */
  #sendJobs(slave: SlaveRecord, seqs: readonly number[]): void {
    const table = this.#table;
    const values = new Array<unknown>(seqs.length);
    for (let i = 0; i < seqs.length; i++) values[i] = table.job(seqs[i]!);
    const jobs = pack(values);
    this.#batchBytes.observe(jobs.length, seqs.length);
    if (jobs.length > BATCH_BYTES && seqs.length > 1) {
      const half = Math.ceil(seqs.length / 2);
      this.#sendJobs(slave, seqs.slice(0, half));
      this.#sendJobs(slave, seqs.slice(half));
      return;
    }
    if (jobs.length > MAX_JOB_BYTES) return this.#tooLarge(slave, seqs[0]!, jobs.length);
    const runs: number[] = [];
    for (const seq of seqs) {
      table.send(seq, slave);
      const last = runs.length - 2;
      if (last >= 0 && runs[last]! + runs[last + 1]! === seq) runs[last + 1]!++;
      else runs.push(seq, 1);
    }
    slave.sent(seqs.length);
    this.stats.batches++;
    this.stats.jobsSent += seqs.length;
    const run = this.#options.runId;
    const attempts = table.anyRetried ? seqs.map((seq) => table.attempt(seq)) : undefined;
    const retried = attempts !== undefined && attempts.some((attempt) => attempt > 0);
    const { originOf } = this.#options;
    const origins = originOf && { origins: seqs.map(originOf) };
    this.#send(slave.id, { command: 'JOBS', run, seqs: runs, ...(retried && { attempts }), ...origins, jobs });
  }

  /** A job no message can carry fails where it is, as if it had run: it is retried, then dead-lettered. */
  #tooLarge(slave: SlaveRecord, seq: number, bytes: number): void {
    const error = { message: `the job packs to ${bytes} bytes, more than a message may carry (${MAX_JOB_BYTES})`, name: 'RangeError' };
    void Promise.resolve(this.#options.onReport({ slave, seqs: [seq], errors: [error], results: undefined })).catch((e: unknown) =>
      this.#options.logger.error(`recording job ${seq} as too large failed: ${(e as Error).message}`),
    );
  }

  async #done(slave: SlaveRecord, message: Done): Promise<void> {
    const table = this.#table;
    const failed = message.failures.length === 0 ? undefined : new Map(message.failures.map((f) => [f.index, f.error]));
    const seqs: number[] = [];
    const errors: Array<WireError | undefined> | undefined = failed && [];
    const results: unknown[] | undefined = message.results && [];
    let unknown = 0;
    let index = 0;
    const runs = message.seqs;
    for (let r = 0; r < runs.length; r += 2) {
      const end = runs[r]! + runs[r + 1]!;
      for (let seq = runs[r]!; seq < end; seq++, index++) {
        if (!table.isAt(seq, slave)) {
          unknown++;
          continue;
        }
        table.land(seq);
        seqs.push(seq);
        errors?.push(failed!.get(index));
        results?.push(message.results![index]);
      }
    }
    if (unknown > 0) {
      this.stats.dropped += unknown;
      this.#options.logger.limited('warn', 'done-unknown', `dropped DONE from ${slave.name} for ${unknown} seqs not in flight there`);
    }
    slave.inFlight -= seqs.length;
    slave.observe(message.ms, seqs.length);
    if (message.returned !== undefined) this.#giveBack(slave, message.returned, 'handed back unstarted');
    if (slave.leaving) {
      if (slave.inFlight === 0) this.#letGo(slave);
    } else {
      slave.grant(message.credit);
    }
    if (seqs.length > 0) await this.#options.onReport({ slave, seqs, errors, results });
  }

  /** Puts `runs` (all of the slave's in flight, if omitted) back at the head of the buffer. */
  #giveBack(slave: SlaveRecord, runs: SeqRuns | undefined, why: string): void {
    const table = this.#table;
    const seqs: number[] = [];
    // Landed as they are listed, so a seq listed twice counts once.
    forEachSeq(runs ?? toRuns(table.outAt(slave)), (seq) => {
      if (!table.isAt(seq, slave)) return;
      table.land(seq);
      seqs.push(seq);
    });
    if (seqs.length === 0) return;
    slave.inFlight -= seqs.length;
    this.stats.requeued += seqs.length;
    this.#source.requeue(seqs);
    this.#options.onRequeue?.(seqs.length, why);
  }

  /** A leaving slave with nothing in flight: QUIT tells it no JOBS is on its way, so it can close. */
  #letGo(slave: SlaveRecord): void {
    this.#send(slave.id, { command: 'QUIT', run: this.#options.runId });
    this.#forget(slave, 'slave left');
  }

  #forget(slave: SlaveRecord, why: string): void {
    this.#giveBack(slave, undefined, why);
    this.#slaves.delete(slave.key);
    this.#options.logger.info(`slave ${slave.name} gone: ${why}`);
  }

  #expireLeases(): void {
    const deadline = Date.now() - this.#options.lease;
    for (const slave of this.#slaves.values()) {
      if (slave.lastSeen < deadline) this.#forget(slave, `silent for more than ${this.#options.lease} ms (lease)`);
    }
    this.dispatch();
  }

  /** Counts a refused message; logs it under its `kind`, never peer data, so hostile variety cannot defeat the rate limit. */
  #drop(id: Buffer, kind: string, reason: string): void {
    this.stats.dropped++;
    this.#options.logger.limited('warn', `drop:${kind}`, `dropped a message from peer ${id.toString('hex').slice(0, 16)}: ${reason}`);
  }

  #send(id: Buffer, message: MasterMessage): void {
    this.#outbox.push([id, ...encodeMessage(message)]);
  }
}

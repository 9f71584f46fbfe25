/**
 * The ROUTER side of the protocol: one receive loop over the socket and a switch on the command,
 * in the spirit of zeromq.js's majordomo broker. Membership, batch policy and the bookkeeping of
 * jobs in flight each live in a file of their own; this file only routes messages between them.
 */
import type { Router } from 'zeromq';
import { encodeMessage } from '../../protocol/codec.js';
import { PROTOCOL_VERSION, type Done, type Hello, type MasterMessage, type StatusReport, type WantResults } from '../../protocol/messages.js';
import { Outbox } from '../../protocol/outbox.js';
import { decodeSlaveMessage, reasonKind } from '../../protocol/validate.js';
import type { Logger } from '../../common/log.js';
import type { JobTable } from '../jobs/job-table.js';
import type { Report } from '../jobs/recorder.js';
import type { RetryQueue } from '../jobs/retry-queue.js';
import type { RunObserver } from '../jobs/run-observer.js';
import type { JobSource } from '../jobs/job-buffer.js';
import { BatchPolicy, type BatchPolicyOptions } from './batch-policy.js';
import { InFlight, type InFlightStats } from './in-flight.js';
import { Membership } from './membership.js';
import type { SlaveRecord } from './slave-record.js';
import { QuitAnswers } from './quit-answers.js';
import { Rounds } from './rounds.js';
import { Shipping } from './shipping.js';

/** How long the master waits for its slaves' answers to QUIT (BYE) before it closes anyway. */
const QUIT_ANSWER_MS = 2000;

export interface DispatcherOptions extends BatchPolicyOptions {
  readonly runId: string;
  readonly lease: number;
  readonly jobTimeout: number;
  readonly wantResults: WantResults;
  /** Whether DONEs should carry each job's start time and handler ms (for `--joblog`). @default false */
  readonly wantTimings?: boolean;
  /** Told of an error the run cannot go on after (a batch that cannot be packed): the one fatal path, whoever's dispatch met it. */
  readonly onFatal: (error: Error) => void;
  /** Handles a DONE batch; the next message waits for it (backpressure on slow result handlers). */
  readonly onReport: (report: Report) => Promise<void> | void;
  /** The run, for the answer to a STATUS (the dispatcher adds the run id and the slaves); none: STATUS is dropped. */
  readonly status?: () => RunStatus;
  readonly logger: Logger;
  /** A --retry-failed run: the seq in the run of its job `seq`, which handlers are told. */
  readonly originOf?: ((seq: number) => number) | undefined;
  /** Told of each DONE's handler time and of each requeue (for --http). @default none */
  readonly observer?: RunObserver | undefined;
  /** The code the master ships (FETCH's answer) and the check of a HELLO's. @default none: FETCH is refused */
  readonly shipping?: Shipping | undefined;
}

/** What a master answers to STATUS about its run: all but what the dispatcher adds (the run id and the slaves). */
export type RunStatus = Omit<StatusReport, 'command' | 'run' | 'slaves'>;

export class Dispatcher {
  readonly #socket: Router;
  readonly #options: DispatcherOptions;
  readonly #outbox: Outbox;
  readonly #members: Membership;
  readonly #policy: BatchPolicy;
  readonly #inFlight: InFlight;
  readonly #table: JobTable;
  readonly #shipping: Shipping;
  readonly #rounds: Rounds;
  #paused = false;
  readonly #quitAnswers = new QuitAnswers();

  constructor(socket: Router, source: JobSource, table: JobTable, retries: RetryQueue, options: DispatcherOptions) {
    this.#socket = socket;
    this.#table = table;
    this.#options = options;
    this.#shipping = options.shipping ?? new Shipping({ shipped: undefined, trusted: false, logger: options.logger });
    this.#outbox = new Outbox(socket, (error) => options.logger.limited('warn', 'send', `send failed: ${error.message}`));
    this.#policy = new BatchPolicy(source, retries, options);
    const send = (id: Buffer, message: MasterMessage): void => this.#send(id, message);
    this.#inFlight = new InFlight(table, source, retries, this.#policy.bytes, { ...options, send });
    this.#members = new Membership({
      lease: options.lease,
      logger: options.logger,
      onGone: (slave, why) => {
        this.#rounds.changed(slave);
        this.#inFlight.giveBack(slave, undefined, why);
      },
    });
    this.#rounds = new Rounds(this.#policy, this.#inFlight, this.#members, source);
  }

  get stats(): InFlightStats {
    return this.#inFlight.stats;
  }

  get inFlight(): number {
    return this.#table.inFlight;
  }

  get slaves(): number {
    return this.#members.size;
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
      if (message.command === 'STATUS') {
        // From tm-status, not a slave: no HELLO needed.
        const report = this.report();
        if (report !== undefined) this.#send(id, report);
        continue;
      }
      if (message.command === 'FETCH') {
        this.#send(id, this.#shipping.answer(message, id));
        continue;
      }
      const slave = this.#members.get(id);
      if (slave === undefined) {
        // A slave we expired, or one that outlived the previous master: make it start over.
        this.#send(id, { command: 'REJECT', reason: 'unknown slave: say HELLO', rehello: true });
        continue;
      }
      if (message.run !== this.#options.runId) {
        this.#drop(id, 'stale run id', `stale run id ${message.run}`);
        continue;
      }
      this.#members.heard(slave);
      const readyBefore = this.#rounds.ready;
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
          // After the run's QUIT, a BYE answers it. Before, unstarted jobs go to others now; the running ones may still report.
          if (this.#quitAnswers.asked) {
            this.#quitAnswers.answered(slave);
            break;
          }
          slave.leaving = true;
          slave.credit = 0;
          this.#inFlight.giveBack(slave, message.returned, 'slave leaving');
          if (slave.inFlight === 0) this.#letGo(slave);
          break;
      }
      this.#dispatch(() => this.#rounds.after(slave, readyBefore, this.#options.bucket !== undefined));
    }
  }

  /** Sends batches to every slave with credit, one batch per slave per round; never throws (see `onFatal`). */
  dispatch(): void {
    this.#dispatch(() => this.#rounds.all());
  }

  #dispatch(rounds: () => void): void {
    if (this.#paused) return;
    try {
      rounds();
    } catch (error) {
      this.#paused = true;
      this.#options.onFatal(error as Error);
    }
  }

  /** Stops sending new work; what is in flight may still finish. */
  pause(): void {
    this.#paused = true;
  }

  /** Tells every slave the run is over; resolves once each has answered (BYE), or after `withinMs`: closed at once, the socket lost QUITs (docs/protocol.md, "The run's end"). */
  async quitAll(withinMs = QUIT_ANSWER_MS): Promise<void> {
    for (const slave of this.#members) this.#quit(slave);
    await this.#quitAnswers.all(withinMs);
  }

  /** Resolves once every queued message has been handed to ZeroMQ. */
  flush(): Promise<void> {
    return this.#outbox.flush();
  }

  close(): void {
    this.#members.close();
    const { batches, jobsSent, dropped, requeued } = this.stats;
    this.#options.logger.debug(`sent ${jobsSent} jobs in ${batches} batches; dropped ${dropped} messages; requeued ${requeued} jobs`);
  }

  #admit(id: Buffer, hello: Hello): void {
    if (hello.version !== PROTOCOL_VERSION) {
      const reason = `protocol version ${hello.version} is not ${PROTOCOL_VERSION}`;
      this.#options.logger.limited('warn', 'refused:version', `refused slave ${hello.name ?? `${hello.host}:${hello.pid}`}: ${reason}`);
      return void this.#send(id, { command: 'REJECT', reason, rehello: false });
    }
    const skewed = this.#shipping.refusal(hello);
    if (skewed !== undefined) return void this.#send(id, skewed);
    const slave = this.#members.admit(id, hello);
    this.#rounds.changed();
    const { runId: run, jobTimeout, lease, wantResults, wantTimings } = this.#options;
    this.#send(id, { command: 'WELCOME', run, jobTimeout, lease, wantResults, ...(wantTimings === true && { wantTimings }) });
    // One that comes as the run ends goes with the others, rather than wait on for a master that is closing.
    if (this.#quitAnswers.asked) this.#quit(slave);
  }

  #quit(slave: SlaveRecord): void {
    this.#send(slave.id, { command: 'QUIT', run: this.#options.runId });
    this.#quitAnswers.ask(slave);
  }

  async #done(slave: SlaveRecord, message: Done): Promise<void> {
    const report = this.#inFlight.land(slave, message);
    if (message.returned !== undefined) this.#inFlight.giveBack(slave, message.returned, 'handed back unstarted');
    if (!slave.leaving) slave.grant(message.credit);
    else if (slave.inFlight === 0) this.#letGo(slave);
    if (report.seqs.length > 0) await this.#options.onReport(report);
  }

  /** The run and one row per slave: the one answer to a STATUS, and what /status.json serves; none without `status`. */
  report(): StatusReport | undefined {
    const status = this.#options.status;
    if (status === undefined) return undefined;
    const now = Date.now();
    const slaves = [...this.#members].map((slave) => slave.status(now));
    return { command: 'REPORT', run: this.#options.runId, ...status(), slaves };
  }

  /** A leaving slave with nothing in flight: QUIT tells it no JOBS is on its way, so it can close. */
  #letGo(slave: SlaveRecord): void {
    this.#send(slave.id, { command: 'QUIT', run: this.#options.runId });
    this.#members.forget(slave, 'slave left');
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

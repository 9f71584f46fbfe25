import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { clientCurve, type ClientCurve } from '../curve/curve-config.js';
import { DecayingAverage } from '../common/decaying-average.js';
import { createLogger, type Logger } from '../common/log.js';
import type { Jobs, Welcome } from '../protocol/messages.js';
import { runsLength } from '../protocol/seq-runs.js';
import { doneJobLog } from './done-job-log.js';
import { doneOutputs } from './channel-slot.js';
import { Connection } from './connection.js';
import { creditToGrant } from './credit.js';
import { JobPool, type Batch, type BatchResult } from './pool.js';
import { resolveSlaveOptions, slavePoolOptions, type ResolvedSlaveOptions, type SlaveOptions } from './slave-options.js';
import { startCode, type SlaveCode } from './shipped-code.js';
import type { SlaveSummary } from './slave-summary.js';
import { plural } from '../common/plural.js';

export type { SlaveSummary };

/** Most milliseconds a leaving slave waits for the master's QUIT before it closes anyway. */
const RELEASE_MS = 3000;

/**
 * A slave: takes jobs from a master, runs them in batches on a piscina pool, and reports
 * results back with fresh credit. Jobs from an earlier session (before a reconnect or a
 * master restart) are void: their results are never sent, since the master gave them away.
 * `run()` starts slaves as processes for you; start one yourself to run it elsewhere.
 *
 * @example
 * const slave = await Slave.start({ module: 'tasks.ts', address: 'tcp://master-host:3050', threads: 8 });
 * process.once('SIGTERM', () => slave.stop()); // hands back what it has not started
 * const { done, failed } = await slave.done; // once the master says QUIT
 */
export class Slave {
  readonly done: Promise<SlaveSummary>;
  readonly #options: ResolvedSlaveOptions;
  readonly #logger: Logger;
  readonly #pool: JobPool;
  readonly #connection: Connection;
  readonly #key: string; // its routing id as the master keys it (latin1): its job log lines name it so
  #finish: (summary: SlaveSummary) => void = () => {};
  #session = 0;
  #wants: Pick<Welcome, 'wantResults' | 'wantTimings'> = { wantResults: false };
  /** Batches waiting until the pool wants another: each runs whole on one thread, over its lanes. */
  #queue: Batch[] = [];
  /** Jobs of this session received and not yet reported. */
  #held = 0;
  #granted = 0; // credit the master holds and has not used
  #running = 0;
  /** Handler ms per job of the jobs reported lately; a whole batch weighs 0.3 against what came before. */
  readonly #msPerJob = new DecayingAverage(0.7);
  #stopping = false;
  /** We said BYE: the master answers with QUIT once nothing is in flight to us. */
  #saidBye = false;
  #quitHeard = false;
  #onQuit: (() => void) | undefined;
  /** Aborted by a stop() once the slave is leaving already: it waits for that QUIT no more. */
  readonly #stoppedAgain = new AbortController();
  #ended = false;
  readonly #counts = { done: 0, failed: 0 };

  /** Starts the threads (loading the module; with none, first the code the master ships: startCode) and connects. `pool`: its threads, started already (startSlave); `signal` aborts a fetch. */
  static async start(options: SlaveOptions, pool?: Promise<JobPool>, signal?: AbortSignal): Promise<Slave> {
    const resolved = resolveSlaveOptions(options);
    const logger = createLogger(`slave ${resolved.name ?? process.pid}`, resolved.logLevel); // as the master names it
    const curve = clientCurve({ ...resolved, keys: resolved.curveKeys }, (message) => logger.warn(message));
    return new Slave(await startCode(resolved, curve, logger, (running) => pool ?? JobPool.start(slavePoolOptions(running)), signal), logger, curve);
  }

  private constructor({ options, pool, bundle, dir }: SlaveCode, logger: Logger, curve: ClientCurve | undefined) {
    this.#options = options;
    this.#pool = pool;
    this.#logger = logger;
    this.done = new Promise((resolve) => (this.#finish = resolve));
    void this.done.then(() => dir?.remove()); // the code the master shipped, written out, goes as the slave ends
    const id = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#key = Buffer.from(id).toString('latin1');
    const { threads, concurrency, maxCredit: capacity, name, allowSkew } = options;
    const hello = { slave: id, host: hostname(), pid: process.pid, threads, concurrency, capacity, ...(name === undefined ? {} : { name }), ...(bundle && { bundle }), ...(allowSkew && { allowSkew }) };
    this.#connection = new Connection(options.address, hello, this.#logger, curve, options.giveUpAfter);
    this.#connection.on('welcome', (welcome) => {
      if (this.#stopping) return;
      this.#session++;
      this.#queue = [];
      this.#held = 0;
      this.#granted = 0;
      this.#wants = welcome;
      this.#pool.jobTimeout = welcome.jobTimeout;
      this.#logger.info(`welcomed by run ${welcome.run}`);
      const credit = this.#topUp();
      if (credit > 0) this.#connection.send({ command: 'CREDIT', run: welcome.run, credit });
    });
    this.#connection.on('jobs', (message) => this.#receive(message));
    this.#connection.on('quit', () => {
      this.#quitHeard = true;
      this.#onQuit?.();
      // After our BYE a QUIT only lets us go: #end is on its way, or waiting for it.
      if (!this.#stopping) void this.#end('quit');
    });
    this.#connection.on('rejected', (reason) => {
      this.#logger.error(`the master refused us: ${reason}`);
      void this.#end('rejected');
    });
    // Whatever runs cannot be reported to a master that is gone: the next one gives it out again.
    this.#connection.on('gaveUp', () => void this.#end('gave-up', true));
    void this.#connection.serve();
  }

  /**
   * Leaves gracefully: unstarted jobs go back to the master at once (BYE), running ones finish
   * and report, then the slave waits for the master's QUIT (a few seconds at most) so that no
   * JOBS still on the wire is lost. A second call stops at once: running jobs are abandoned and
   * handed back, and the QUIT is not waited for. Both are safe to repeat.
   */
  stop(): void {
    if (this.#stopping) return void this.#end('stopped', true);
    this.#stopping = true;
    const returned = this.#queue.flatMap((batch) => batch.seqs);
    const unstarted = this.#queue.reduce((n, batch) => n + batch.count, 0);
    this.#held -= unstarted;
    this.#queue = [];
    // Batches waiting in a thread for their turn come back through their DONE, as returned.
    const calledOff = this.#pool.cancelWaiting();
    this.#saidBye = this.#connection.leave(returned);
    // A slave that never had a job has nothing to say.
    if (this.#connection.run !== undefined) this.#logger.info(`stopping: ${plural(unstarted + calledOff, 'unstarted job')} handed back; waiting for ${plural(this.#held - calledOff, 'running job')} to finish`);
    if (this.#running === 0) void this.#end('stopped');
  }

  /**
   * The run is over, as its supervisor says (for a slave that joined after the last job, whom no
   * master will send QUIT): leave as on the master's QUIT. Safe to repeat.
   */
  quit(): void {
    if (this.#stopping) return;
    this.#logger.debug('leaving: the supervisor says the run is over');
    void this.#end('quit');
  }

  #receive(message: Jobs): void {
    if (this.#stopping) {
      // Sent before the master read our BYE: hand them back too, or they wait out the lease.
      this.#connection.send({ command: 'BYE', run: message.run, returned: message.seqs });
      return;
    }
    const count = runsLength(message.seqs);
    this.#queue.push({ seqs: message.seqs, attempts: message.attempts, origins: message.origins, jobs: message.jobs, count, timings: this.#wants.wantTimings });
    this.#held += count;
    this.#granted = Math.max(0, this.#granted - count);
    this.#pump();
  }

  /** Hands batches to the pool while its threads could use more. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#pool.wantsBatch) {
      const batch = this.#queue.shift()!;
      this.#running++;
      const session = this.#session;
      void this.#pool.run(batch, this.#wants.wantResults, (partial) => this.#partial(session, batch, partial)).then((result) => this.#ran(session, batch, result));
    }
  }

  /** Jobs of a batch that finished while others of it still run (a slow one): reported now, with fresh credit. */
  #partial(session: number, batch: Batch, result: BatchResult): void {
    this.#report(session, batch, result);
    // The pool holds fewer jobs: it may want another batch.
    this.#pump();
  }

  /** A batch is done: the jobs not reported yet. */
  #ran(session: number, batch: Batch, result: BatchResult): void {
    this.#running--;
    this.#report(session, batch, result);
    if (this.#stopping && this.#running === 0) void this.#end('stopped');
    else this.#pump();
  }

  /** Counts a result, and sends it as a DONE with fresh credit, unless it is of an earlier session (the master gave its jobs away). */
  #report(session: number, batch: Batch, result: BatchResult): void {
    const { seqs, failures, results, returned, ms } = result;
    const ran = runsLength(seqs);
    this.#count(ran, failures.length, ms, batch.count);
    const run = this.#connection.run;
    if (session !== this.#session || run === undefined) return;
    this.#held -= ran + runsLength(returned);
    const credit = this.#stopping ? 0 : this.#topUp();
    this.#connection.send({
      command: 'DONE',
      run,
      seqs,
      failures,
      ...doneOutputs(results, this.#wants.wantResults),
      ...doneJobLog(result, batch, this.#key),
      ...(returned.length === 0 ? {} : { returned }),
      ms,
      credit,
    });
  }

  /** Credit to grant now: enough to hold about HOLD_MS of work per lane (see creditToGrant). */
  #topUp(): number {
    const give = creditToGrant(this.#pool.lanes, this.#msPerJob.value, this.#options.maxCredit, this.#held, this.#granted);
    this.#granted += give;
    return give;
  }

  /** Counts jobs done and failed, and folds their handler time into the ms per job, by their share of their batch. */
  #count(ran: number, failed: number, ms: number, batchSize: number): void {
    this.#counts.done += ran - failed;
    this.#counts.failed += failed;
    this.#msPerJob.add(ms, ran, ran / batchSize);
  }

  async #end(reason: SlaveSummary['reason'], now = false): Promise<void> {
    if (this.#ended) {
      if (now) this.#stoppedAgain.abort();
      return;
    }
    this.#ended = true;
    this.#stopping = true;
    // Before the socket closes: a destroyed batch reports (#ran) its unfinished jobs as returned.
    await (now || reason === 'rejected' ? this.#pool.destroy() : this.#pool.close());
    if (this.#saidBye && !now) await this.#awaitQuit();
    await this.#connection.flush();
    this.#connection.close();
    this.#finish({ reason, ...this.#counts });
  }

  /**
   * After our BYE: the master sends QUIT once nothing is in flight to us, and messages arrive in
   * order, so after it no JOBS can still be on its way (one would wait out the lease if we closed).
   */
  async #awaitQuit(): Promise<void> {
    const stoppedAgain = this.#stoppedAgain.signal;
    let timer: NodeJS.Timeout | undefined;
    let onStoppedAgain = (): void => {};
    const quit = new Promise<boolean | 'stopped again'>((resolve) => {
      this.#onQuit = () => resolve(true);
      timer = setTimeout(() => resolve(false), RELEASE_MS);
      onStoppedAgain = () => resolve('stopped again');
      stoppedAgain.addEventListener('abort', onStoppedAgain);
    });
    const heard = this.#quitHeard || (stoppedAgain.aborted ? 'stopped again' : await quit);
    clearTimeout(timer);
    stoppedAgain.removeEventListener('abort', onStoppedAgain);
    this.#onQuit = undefined;
    if (heard === true) this.#logger.info('left: the master has taken back every job it gave us');
    else this.#logger.warn(`left without the master's QUIT ${heard === false ? `after ${RELEASE_MS} ms` : '(stopped again)'}: jobs it sent since our BYE wait out its lease`);
  }
}

/** The pool's job timeout: kills a thread whose chunk's finished count stood still for longer than `jobTimeout`. */
import type { Piscina } from 'piscina';
import { UsageError } from '../errors.js';
import type { SlotProgress } from './batch-progress.js';

/** A chunk as the watchdog sees it: its thread's live count of finished jobs, and what the watchdog made of it. */
export interface WatchedChunk {
  readonly progress: SlotProgress;
  readonly count: number;
  /** Finished count at the watchdog's last look, and since when it has not moved. */
  finished: number;
  since: number;
  /** The watchdog killed its thread with this chunk's running jobs to blame. */
  timedOut: boolean;
  /** Its thread was killed for another chunk's job: its running jobs are not to blame. */
  bystander: boolean;
}

/** Looks at the pool's running chunks while any run and `jobTimeout` is not 0, and kills the threads of stuck ones. */
export class Watchdog {
  readonly #piscina: Pick<Piscina, 'threads'>;
  /** The pool's running chunks: the pool adds and deletes them, and starts and stops the watchdog. */
  readonly #chunks: ReadonlySet<WatchedChunk>;
  #timer: ReturnType<typeof setInterval> | undefined;
  #jobTimeout: number;

  constructor(piscina: Pick<Piscina, 'threads'>, chunks: ReadonlySet<WatchedChunk>, jobTimeout: number) {
    this.#piscina = piscina;
    this.#chunks = chunks;
    this.#jobTimeout = jobTimeout;
  }

  /** Milliseconds a job may run before its thread is killed, 0 for no limit. */
  get jobTimeout(): number {
    return this.#jobTimeout;
  }

  set jobTimeout(ms: number) {
    checkTimeout(ms);
    this.#jobTimeout = ms;
    this.stop();
    if (this.#chunks.size > 0) this.start();
  }

  /** Starts looking, unless it already does or there is no limit. */
  start(): void {
    const jobTimeout = this.#jobTimeout;
    if (jobTimeout === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#watch(), Math.min(Math.max(jobTimeout / 4, 10), 1000));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Kills the thread of any chunk with jobs running whose finished count has not moved for more
   * than `jobTimeout`. (A chunk a thread has claimed always has a job running until all have
   * finished: a lane that frees takes the oldest chunk's next job, and no later chunk starts
   * before all of its jobs have. So a hung job shows, however busy the other lanes are.)
   */
  #watch(): void {
    const now = performance.now();
    for (const running of this.#chunks) {
      const thread = running.progress.thread;
      const finished = running.progress.finished;
      // Queued (in piscina, or in its thread behind other chunks), done and replying, or being killed.
      if (thread === 0 || finished >= running.count || running.timedOut || running.bystander) continue;
      if (running.since === 0 || finished !== running.finished) {
        running.finished = finished;
        running.since = now;
      } else if (now - running.since > this.#jobTimeout) {
        this.#kill(thread, now);
      }
    }
  }

  /**
   * Terminates a thread; piscina fails its tasks and starts a replacement. (Not `run(task, {signal})`:
   * piscina gives an abortable task a thread of its own, which would void `concurrency`.) A job that
   * blocks the CPU stalls every chunk on its thread alike, so each chunk stalled for over half the
   * timeout shares the blame (a retry clears the innocent); only chunks still moving are bystanders.
   */
  #kill(thread: number, now: number): void {
    for (const running of this.#chunks) {
      if (running.progress.thread !== thread) continue;
      if (running.since !== 0 && now - running.since > this.#jobTimeout / 2) running.timedOut = true;
      else running.bystander = true;
    }
    for (const worker of this.#piscina.threads) if (worker.threadId === thread) void worker.terminate();
  }
}

/** Rejects a `jobTimeout` below 0 or above 2^31-1 ms (the longest a Node timer waits), or NaN. */
export function checkTimeout(ms: number): void {
  if (!(ms >= 0 && ms <= 2 ** 31 - 1)) throw new UsageError(`Expected \`jobTimeout\` to be a number of ms from 0 to 2147483647, got \`${ms}\``);
}

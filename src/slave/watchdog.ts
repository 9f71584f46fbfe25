/** The pool's job timeout: kills a thread whose batch's finished count stood still for longer than `jobTimeout`. */
import type { Piscina } from 'piscina';
import { UsageError } from '../common/errors.js';
import type { BatchProgress } from './batch-progress.js';

/** What the watchdog made of a batch whose thread it killed: its running jobs are to blame, or they are not. */
export type Verdict = 'timed out' | 'bystander';

/** A batch as the watchdog watches it: its thread's live count of finished jobs. */
interface Watched {
  readonly progress: BatchProgress;
  readonly count: number;
  /** Finished count at the last look, and since when it has not moved (0: not yet looked at). */
  finished: number;
  since: number;
  verdict: Verdict | undefined;
}

/** Looks at the pool's running batches while any run and `jobTimeout` is not 0, and kills the threads of stuck ones. */
export class Watchdog {
  readonly #piscina: Pick<Piscina, 'threads'>;
  readonly #batches = new Map<number, Watched>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #jobTimeout: number;

  constructor(piscina: Pick<Piscina, 'threads'>, jobTimeout: number) {
    this.#piscina = piscina;
    this.#jobTimeout = jobTimeout;
  }

  /** Milliseconds a job may run before its thread is killed, 0 for no limit. */
  get jobTimeout(): number {
    return this.#jobTimeout;
  }

  set jobTimeout(ms: number) {
    checkTimeout(ms);
    this.#jobTimeout = ms;
    this.#stop();
    if (this.#batches.size > 0) this.#start();
  }

  /** Watches batch `id` of `count` jobs, whose thread counts its finished jobs in `progress`. */
  watch(id: number, progress: BatchProgress, count: number): void {
    this.#batches.set(id, { progress, count, finished: 0, since: 0, verdict: undefined });
    this.#start();
  }

  /** Stops watching batch `id`; returns what the watchdog made of it, if it killed its thread. */
  unwatch(id: number): Verdict | undefined {
    const verdict = this.#batches.get(id)?.verdict;
    this.#batches.delete(id);
    if (this.#batches.size === 0) this.#stop();
    return verdict;
  }

  /** Stops looking at anything. */
  close(): void {
    this.#batches.clear();
    this.#stop();
  }

  #start(): void {
    const jobTimeout = this.#jobTimeout;
    if (jobTimeout === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#watch(), Math.min(Math.max(jobTimeout / 4, 10), 1000));
    this.#timer.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Kills the thread of any batch with jobs running whose finished count has not moved for more
   * than `jobTimeout`. (A batch a thread has claimed always has a job running until all have
   * finished: a lane that frees takes the oldest batch's next job, and no later batch starts
   * before all of its jobs have. So a hung job shows, however busy the other lanes are.)
   */
  #watch(): void {
    const now = performance.now();
    for (const watched of this.#batches.values()) {
      const thread = watched.progress.thread;
      const finished = watched.progress.finished;
      // Queued (in piscina, or in its thread behind other batches), done and replying, or being killed.
      if (thread === 0 || finished >= watched.count || watched.verdict !== undefined) continue;
      if (watched.since === 0 || finished !== watched.finished) {
        watched.finished = finished;
        watched.since = now;
      } else if (now - watched.since > this.#jobTimeout) {
        this.#kill(thread, now);
      }
    }
  }

  /**
   * Terminates a thread; piscina fails its tasks and starts a replacement. (Not `run(task, {signal})`:
   * piscina gives an abortable task a thread of its own, which would void `concurrency`.) A job that
   * blocks the CPU stalls every batch on its thread alike, so each batch stalled for over half the
   * timeout shares the blame (a retry clears the innocent); only batches still moving are bystanders.
   */
  #kill(thread: number, now: number): void {
    for (const watched of this.#batches.values()) {
      if (watched.progress.thread !== thread) continue;
      watched.verdict = watched.since !== 0 && now - watched.since > this.#jobTimeout / 2 ? 'timed out' : 'bystander';
    }
    for (const worker of this.#piscina.threads) if (worker.threadId === thread) void worker.terminate();
  }
}

/** Rejects a `jobTimeout` below 0 or above 2^31-1 ms (the longest a Node timer waits), or NaN. */
export function checkTimeout(ms: number): void {
  if (!(ms >= 0 && ms <= 2 ** 31 - 1)) throw new UsageError(`Expected \`jobTimeout\` to be a number of ms from 0 to 2147483647, got \`${ms}\``);
}

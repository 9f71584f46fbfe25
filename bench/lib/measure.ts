/**
 * One timed run of a producer and its consumers (tm-master and tm-slaves, or the baseline scripts,
 * which print the same three lines): start the producer, start the consumers at the endpoint it
 * prints, time from the first consumer's "welcomed" line to the producer's summary line, and
 * keep every process's peak RSS.
 */
import { Child, type Seen } from './child.js';
import { makeTempDir, removeTempDir } from './temp.js';

/** The lines every producer and consumer prints, engine bins and baseline scripts alike. */
export const LISTENING = /^(?:[\w-]+:|\[[\w -]+\]) listening on ([^\s;]+)/;
const WELCOMED = /welcomed by run /;
export const SUMMARY = /(\w+): (\d+) jobs? done, (\d+) dead-lettered in ([\d.]+) s \((\d+) jobs\/s\)/;

export interface Role {
  readonly name: string;
  readonly script: string;
  /** Arguments; a consumer's get the producer's endpoint, a producer's the run's temp dir. */
  readonly args: (value: string) => readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** The network namespace it runs in, for runs across hosts. @default the bench's own */
  readonly netns?: string;
}

export interface Topology {
  /** Prints `listening on <endpoint>` when it has consumers, and the summary line when done. */
  readonly producer: Role;
  /** Each prints a `welcomed by run` line when ready. None: the producer prints it itself. */
  readonly consumers: readonly Role[];
  /** Jobs the summary line must report done. */
  readonly jobs: number;
  /** Kill everything and fail after this long. */
  readonly timeoutMs: number;
}

export interface Measure {
  readonly jobs: number;
  /**
   * From the first consumer's "welcomed" line (its threads have loaded the task module and it has
   * shaken hands) to the producer's summary line: process start-up is out, the producer's last
   * checkpoint and QUIT are in. The same for the engine and its baselines.
   */
  readonly seconds: number;
  readonly jobsPerS: number;
  /** The producer's own figure from its summary line (tm-master counts from its start, so waiting for the slaves is in). */
  readonly reportedJobsPerS: number;
  /** From spawning the producer to the last process's exit. */
  readonly wallSeconds: number;
  readonly producerRssMb: number;
  /** The highest of the consumers' peaks; 0 without consumers. */
  readonly consumerRssMb: number;
}

/** What a run's body gets: its temp dir, and a way to start a role in it (as its cwd) that the run will end. */
export interface RunScope {
  readonly dir: string;
  readonly children: readonly Child[];
  /** Starts `role` with `role.args(arg)`. */
  start(role: Role, arg: string): Child;
}

/**
 * Runs `body` with a fresh temp dir and the children it starts: all killed after `timeoutMs` (an
 * error naming `name`) and on every way out, then the dir removed.
 */
export async function inRun<T>(name: string, timeoutMs: number, body: (scope: RunScope) => Promise<T>): Promise<T> {
  const dir = makeTempDir('tm-bench-');
  const children: Child[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    children.forEach((child) => child.kill());
  }, timeoutMs);
  const start = (role: Role, arg: string): Child => {
    const child = new Child(role.name, role.script, role.args(arg), { cwd: dir, ...(role.env && { env: role.env }), ...(role.netns && { netns: role.netns }) });
    children.push(child);
    return child;
  };
  try {
    return await body({ dir, children, start });
  } catch (error) {
    throw timedOut ? new Error(`${name}: no result within ${timeoutMs / 1000} s`, { cause: error }) : error;
  } finally {
    clearTimeout(timer);
    children.forEach((child) => child.kill());
    await Promise.all(children.map((child) => child.exited));
    removeTempDir(dir);
  }
}

/**
 * Waits for every child to exit, and fails unless each exited 0 and the producer (the first
 * child) printed `summary` with `jobs` done and none dead-lettered. Resolves with the summary's own jobs/s.
 */
export async function checkEnd(children: readonly Child[], summary: Seen, jobs: number): Promise<number> {
  const codes = await Promise.all(children.map((child) => child.exited));
  const failed = children.findIndex((_, i) => codes[i] !== 0);
  if (failed !== -1) throw new Error(`${children[failed]!.name} exited with ${codes[failed]}\n${children[failed]!.tail()}\n${children[0]!.tail()}`);
  const [, outcome, done, deadLettered, , rate] = summary.match;
  if (outcome !== 'finished' || Number(done) !== jobs || Number(deadLettered) !== 0) {
    throw new Error(`${children[0]!.name} reported "${summary.line.text}", expected ${jobs} jobs done\n${children[0]!.tail()}`);
  }
  return Number(rate);
}

/** Runs a topology once in a fresh temp dir (its cwd, so state files land there) and removes the dir. */
export function measure(topology: Topology): Promise<Measure> {
  return inRun(topology.producer.name, topology.timeoutMs, async ({ dir, children, start }) => {
    const started = performance.now();
    const producer = start(topology.producer, dir);
    let ready: Promise<Seen>;
    if (topology.consumers.length === 0) {
      ready = producer.waitFor('stderr', WELCOMED);
    } else {
      const endpoint = (await producer.waitFor('stderr', LISTENING)).match[1]!;
      const consumers = topology.consumers.map((c) => start(c, endpoint));
      ready = Promise.race(consumers.map((consumer) => consumer.waitFor('stderr', WELCOMED)));
    }
    ready.catch(() => {}); // awaited below; a rejection meanwhile is not unhandled
    const summary = await producer.waitFor('stdout', SUMMARY);
    children.forEach((child) => child.sampleRss());
    const readyAt = (await ready).line.at;
    const rate = await checkEnd(children, summary, topology.jobs);
    const wallSeconds = (performance.now() - started) / 1000;
    const seconds = (summary.line.at - readyAt) / 1000;
    return {
      jobs: topology.jobs,
      seconds,
      jobsPerS: topology.jobs / seconds,
      reportedJobsPerS: rate,
      wallSeconds,
      producerRssMb: producer.peakRssMb,
      consumerRssMb: Math.max(0, ...children.slice(1).map((child) => child.peakRssMb)),
    };
  });
}

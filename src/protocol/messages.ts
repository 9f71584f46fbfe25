/** The wire protocol: every message between master and slave, as a union on `command`. */

import type { SeqRuns } from './seq-runs.js';

/** Bumped when a message changes shape; a slave of another version is rejected. */
export const PROTOCOL_VERSION = 6;

/** Where a master binds and a slave connects unless told otherwise: loopback only (DESIGN.md §6). */
export const DEFAULT_ADDRESS = 'tcp://127.0.0.1:3050';

/**
 * Most jobs a slave's thread may run at once (its `--concurrency`): far past what one event loop
 * serves well, and a bound on the slots a slave's pool may keep and on what a HELLO may claim.
 */
export const MAX_CONCURRENCY = 65_536;

/** Largest frame either side accepts; ZeroMQ drops the connection of a peer that sends more. */
export const MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

/** A job that failed, by its index in the batch's seqs. */
export interface WireFailure {
  readonly index: number;
  readonly error: WireError;
}

export interface WireError {
  readonly message: string;
  readonly name?: string;
  readonly stack?: string;
}

export interface Hello {
  readonly command: 'HELLO';
  readonly version: number;
  readonly slave: string;
  readonly host: string;
  readonly pid: number;
  readonly threads: number;
  /** Jobs each of its threads runs at once: a batch runs on one thread, over this many lanes. */
  readonly concurrency: number;
  /** Most jobs this slave will ever hold at once; the master never lets credit exceed it. */
  readonly capacity: number;
  /** What log lines and tm-status call it (`--name`); `host:pid` when omitted. */
  readonly name?: string;
  /** sha256 (hex) of the bundle of the code it runs: its own module's, or the one the master shipped; omitted: not known. */
  readonly bundle?: string;
  /** Admit it even when `bundle` is not the code the master ships (`--allow-skew`). Omitted: false. */
  readonly allowSkew?: boolean;
}

/**
 * Asks for the handler the master ships (`--ship`), before any HELLO: a slave started with no
 * module runs it. The master answers CODE, or REJECT when it ships none.
 */
export interface Fetch {
  readonly command: 'FETCH';
  readonly version: number;
}

/** The handler a master ships: one ESM file (bundle.ts) the slave checks against `sha256` before it runs it. */
export interface Code {
  readonly command: 'CODE';
  /** sha256 of `bundle`, in hex. */
  readonly sha256: string;
  /** The handler export the slaves run. */
  readonly fn: string;
  readonly bundle: Uint8Array;
}

/**
 * Whether DONE carries results, and how: `true` the values, `'json'` each value's JSON text (see
 * json-text.ts), made in the slave's threads, for a master that only writes them to `--results`.
 */
export type WantResults = boolean | 'json';

export interface Welcome {
  readonly command: 'WELCOME';
  readonly run: string;
  readonly jobTimeout: number;
  readonly lease: number;
  /** Whether DONE should carry handler results (the master has a `handleResult` or `--results`), and how. */
  readonly wantResults: WantResults;
  /** Whether DONE should carry `timings` (the master keeps a `--joblog`); omitted: no. */
  readonly wantTimings?: boolean;
}

export interface Reject {
  readonly command: 'REJECT';
  readonly reason: string;
  /** True when the slave should say HELLO again (e.g. the master restarted or forgot it). */
  readonly rehello: boolean;
}

export interface Credit {
  readonly command: 'CREDIT';
  readonly run: string;
  readonly credit: number;
}

/**
 * A batch of jobs. The jobs travel as one msgpack blob the slave hands to a thread unopened:
 * its main thread never decodes (or copies object by object) a single job.
 */
export interface Jobs {
  readonly command: 'JOBS';
  readonly run: string;
  readonly seqs: SeqRuns;
  /** Attempt of each job (0 is the first try); omitted when all are first tries. */
  readonly attempts?: readonly number[];
  /** Each job's seq in the run, when a run of its dead letters (--retry-failed) numbers them anew; else omitted. */
  readonly origins?: readonly number[];
  /** msgpack of the array of jobs, one per seq. */
  readonly jobs: Uint8Array;
}

/** What became of (a prefix of) a batch. */
export interface Done {
  readonly command: 'DONE';
  readonly run: string;
  /** Jobs that ran, succeeded or failed, in batch order. */
  readonly seqs: SeqRuns;
  /** Those of them that failed, by index in `seqs`. */
  readonly failures: readonly WireFailure[];
  /**
   * Each job's return value, in `seqs` order, when the master wants results, or when any job sent
   * channel output (then undefined for the others, unless results are wanted).
   */
  readonly results?: readonly unknown[];
  /**
   * Indexes into `seqs`, ascending, of the jobs that sent channel output (`channels()` or an async
   * iterable): their `results` entry is a list of `[name, data]` pairs, each name a valid channel
   * name (channel-name.ts). Omitted when none did.
   */
  readonly channeled?: readonly number[];
  /** With `timings`, when every job succeeded at its first try: each one's job log line (job-log-line.ts), which the master writes as they came. */
  readonly logLines?: Uint8Array;
  /** Jobs handed back unstarted (their thread died before them): the master sends them again. */
  readonly returned?: SeqRuns;
  /** Milliseconds the handlers ran, summed. */
  readonly ms: number;
  /**
   * When the master asked for them (`wantTimings`): per seq, in `seqs` order, when its handler
   * started (ms since the epoch) and how many ms it ran, as float64 pairs (see timings.ts).
   * Omitted for jobs whose timings died with their thread.
   */
  readonly timings?: Uint8Array;
  /** More jobs the slave can take now, on top of what it granted before. */
  readonly credit: number;
}

export interface Ping {
  readonly command: 'PING';
  readonly run: string;
}

/**
 * The run is over: finish and exit. Also the answer to a BYE, once nothing is in flight to that
 * slave: JOBS sent before the master read the BYE come back in further BYEs, and after the QUIT
 * none can still be on the wire, so the slave may close.
 */
export interface Quit {
  readonly command: 'QUIT';
  readonly run: string;
}

/** Leaving: no more credit; running jobs still report. The slave waits for the QUIT that answers it. */
export interface Bye {
  readonly command: 'BYE';
  readonly run: string;
  /** Seqs the slave received but never started; the master dispatches them again at once. */
  readonly returned: SeqRuns;
}

/** Asks the master how its run goes: any peer may (tm-status), with no HELLO, and gets a REPORT. */
export interface StatusRequest {
  readonly command: 'STATUS';
}

/** One admitted slave, as the master sees it. */
export interface SlaveStatus {
  /** `--name`, or `host:pid`. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly threads: number;
  readonly concurrency: number;
  readonly inFlight: number;
  /** Jobs it reported done, and failed attempts, since it joined. */
  readonly done: number;
  readonly failed: number;
  /** Jobs a second it reported over the last few seconds. */
  readonly rate: number;
  /** Milliseconds since the master last heard from it. */
  readonly lastSeenMs: number;
  /** sha256 (hex) of the code it said it runs (HELLO's `bundle`); omitted when it said none. */
  readonly bundle?: string;
}

/** The run's counts, over the whole run (across restarts) but for rate and elapsed time. */
export interface RunTotals {
  readonly done: number;
  /** Dead-lettered jobs. */
  readonly failed: number;
  readonly total: number | null;
  readonly inFlight: number;
  readonly buffered: number;
  /** The buffer's size (`--size`). */
  readonly size: number;
  readonly retrying: number;
  /** Every seq below it is finished. */
  readonly watermark: number;
  readonly rate: number;
  readonly etaSeconds: number | null;
  readonly elapsedMs: number;
}

/** The master's answer to STATUS: what it runs, how far it is, and its slaves. */
export interface StatusReport {
  readonly command: 'REPORT';
  readonly run: string;
  readonly module: string;
  readonly fn: string;
  readonly args: Readonly<Record<string, string>>;
  /** The state file. */
  readonly state: string;
  /** When this master started, in ms since the epoch. */
  readonly startedAt: number;
  readonly stopping: boolean;
  readonly retryFailed: boolean;
  /** The master's `--lease` in ms (tm-status reads when a slave is silent by it); omitted by older masters. */
  readonly lease?: number;
  readonly totals: RunTotals;
  readonly slaves: readonly SlaveStatus[];
}

/** What a master receives: a slave's messages, and a STATUS from anyone. */
export type SlaveMessage = Hello | Credit | Done | Ping | Bye | StatusRequest | Fetch;
/** What a master sends: to its slaves, and a REPORT to whoever asked. */
export type MasterMessage = Welcome | Reject | Jobs | Quit | StatusReport | Code;
export type Message = SlaveMessage | MasterMessage;
export type Command = Message['command'];

export const SLAVE_COMMANDS: ReadonlySet<string> = new Set<SlaveMessage['command']>(['HELLO', 'CREDIT', 'DONE', 'PING', 'BYE', 'STATUS', 'FETCH']);
export const MASTER_COMMANDS: ReadonlySet<string> = new Set<MasterMessage['command']>(['WELCOME', 'REJECT', 'JOBS', 'QUIT', 'REPORT', 'CODE']);

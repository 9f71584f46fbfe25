/** The wire protocol: every message between master and slave, as a union on `command`. */

/** Bumped when a message changes shape; a slave of another version is rejected. */
export const PROTOCOL_VERSION = 1;

/** Largest frame either side accepts; ZeroMQ drops the connection of a peer that sends more. */
export const MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

/** A job as it travels to a slave. */
export interface WireJob {
  readonly seq: number;
  readonly attempt: number;
  readonly job: unknown;
}

/** The outcome of one job, as it travels back to the master. */
export interface WireResult {
  readonly seq: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: WireError;
  /** Milliseconds the handler ran. */
  readonly ms: number;
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
  /** Most jobs this slave will ever hold at once; the master never lets credit exceed it. */
  readonly capacity: number;
}

export interface Welcome {
  readonly command: 'WELCOME';
  readonly run: string;
  readonly jobTimeout: number;
  readonly lease: number;
  /** Whether DONE should carry handler results (the master has a `handleResult`). */
  readonly wantResults: boolean;
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

export interface Jobs {
  readonly command: 'JOBS';
  readonly run: string;
  readonly jobs: readonly WireJob[];
}

export interface Done {
  readonly command: 'DONE';
  readonly run: string;
  readonly results: readonly WireResult[];
  /** More jobs the slave can take now, on top of what it granted before. */
  readonly credit: number;
}

export interface Ping {
  readonly command: 'PING';
  readonly run: string;
}

export interface Quit {
  readonly command: 'QUIT';
  readonly run: string;
}

export interface Bye {
  readonly command: 'BYE';
  readonly run: string;
  /** Seqs the slave received but never started; the master dispatches them again at once. */
  readonly returned: readonly number[];
}

export type SlaveMessage = Hello | Credit | Done | Ping | Bye;
export type MasterMessage = Welcome | Reject | Jobs | Quit;
export type Message = SlaveMessage | MasterMessage;
export type Command = Message['command'];

export const SLAVE_COMMANDS: ReadonlySet<string> = new Set<SlaveMessage['command']>(['HELLO', 'CREDIT', 'DONE', 'PING', 'BYE']);
export const MASTER_COMMANDS: ReadonlySet<string> = new Set<MasterMessage['command']>(['WELCOME', 'REJECT', 'JOBS', 'QUIT']);

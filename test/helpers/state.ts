/** Reading a master's state files the way a resuming master does, to see what it had recorded. */
import { readFileSync } from 'node:fs';
import { logPath } from '../../src/master/state/checkpoint.js';
import { replayLog } from '../../src/master/state/completion-log.js';
import { Ledger } from '../../src/master/ledger.js';
import { readState } from '../../src/master/state/state-file.js';
import type { RunIdentity } from '../../src/master/state/state-types.js';

/** The fields of a state file the tests look at. */
export interface StateFields {
  readonly identity: RunIdentity;
  readonly ledger: { readonly watermark: number; readonly lastCursor?: unknown; readonly doneAbove: unknown[]; readonly failed: number };
  readonly cursorMode: string | null;
  readonly finished: boolean;
}

/** The snapshot at `path`, as JSON. */
export function readStateFields(path: string): StateFields {
  return JSON.parse(readFileSync(path, 'utf8')) as StateFields;
}

/**
 * Every completion the master had recorded in the state at `path`: the snapshot with its
 * completion log replayed, as a master that resumes it would see them.
 */
export function recordedLedger(path: string): Ledger {
  const { identity } = readStateFields(path);
  const ledger = new Ledger(readState(path, identity)?.ledger);
  replayLog(logPath(path), ledger);
  return ledger;
}

/** Reading a master's state files the way a resuming master does, to see what it had recorded. */
import { readFileSync } from 'node:fs';
import { logPath } from '../../src/master/state/checkpoint.js';
import { replayLog } from '../../src/master/state/completion-log.js';
import { Ledger } from '../../src/master/state/ledger.js';
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
 * completion log replayed, as a master that resumes it would see them. A running master may take
 * a snapshot (and start its log afresh) between reading the one and the other, which would pair
 * an old snapshot with a new log: read again until the snapshot is the same after as before.
 */
export function recordedLedger(path: string): Ledger {
  for (;;) {
    const before = readFileSync(path);
    const { identity } = JSON.parse(before.toString('utf8')) as StateFields;
    const ledger = new Ledger(readState(path, identity)?.ledger);
    replayLog(logPath(path), ledger);
    if (readFileSync(path).equals(before)) return ledger;
  }
}

/**
 * What the lifecycle search observes between incarnations, as plain data: the state as a resuming
 * master would read it, the dead letters, and the handlers' record. invariants.ts judges only these.
 */
import { existsSync, readFileSync } from 'node:fs';
import { deadLetterPath } from '../../src/master/state/checkpoint.js';
import { readStateFields, recordedLedger } from '../helpers/state.js';

/** The state between incarnations. */
export interface StateView {
  readonly exists: boolean;
  readonly finished: boolean;
  readonly watermark: number;
  /** Seqs done or dead-lettered, as a resuming master reads them (snapshot + completion log). */
  readonly finishedSeqs: readonly number[];
  /** The state's count of dead-lettered jobs, and the seqs in the dead-letter file. */
  readonly failed: number;
  readonly deadLetters: readonly number[];
  /** Why it could not be read, when it exists but could not be. */
  readonly unreadable?: string;
}

/** One handler run: the seq the master gave it, the job's own `s`, where and when it ran. */
export interface RecordLine {
  readonly seq: number;
  readonly s: number;
  readonly pid: number;
  readonly incarnation: number;
  readonly attempt: number;
}

export const NO_STATE: StateView = { exists: false, finished: false, watermark: 0, finishedSeqs: [], failed: 0, deadLetters: [] };

/** The state at `path`, looking at seqs below `span` (the jobs and a few past them, to see strays). */
export function readView(path: string, span: number): StateView {
  if (!existsSync(path)) return NO_STATE;
  const deadLetters = readDeadLetterSeqs(deadLetterPath(path));
  try {
    const fields = readStateFields(path);
    const ledger = recordedLedger(path);
    const finishedSeqs: number[] = [];
    for (let seq = 0; seq < span; seq++) if (ledger.isFinished(seq)) finishedSeqs.push(seq);
    return { exists: true, finished: fields.finished, watermark: ledger.watermark, finishedSeqs, failed: ledger.failed, deadLetters };
  } catch (error) {
    return { ...NO_STATE, exists: true, deadLetters, unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/** The seqs of the dead-letter file at `path`; a torn last line (a killed master's) is skipped. */
function readDeadLetterSeqs(path: string): number[] {
  if (!existsSync(path)) return [];
  const seqs: number[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    try {
      const { seq } = JSON.parse(line) as { seq?: unknown };
      if (typeof seq === 'number') seqs.push(seq);
    } catch {
      // Empty or torn.
    }
  }
  return seqs;
}

/** Number of whole lines in the record at `path` (0 when there is none yet): what a trigger counts. */
export function recordCount(path: string): number {
  if (!existsSync(path)) return 0;
  const bytes = readFileSync(path);
  let n = 0;
  for (const byte of bytes) if (byte === 10) n++;
  return n;
}

/** Every whole line of the record at `path`. */
export function readRecord(path: string): RecordLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [seq, s, pid, incarnation, attempt] = line.split(' ').map(Number) as [number, number, number, number, number];
      return { seq, s, pid, incarnation, attempt };
    });
}

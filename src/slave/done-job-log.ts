/**
 * A DONE's job log fields, when the master keeps a job log (`wantTimings`): the timings of its
 * jobs, and, when every one of them succeeded at its first try, their lines as the master would
 * write them (`logLines`). The slave's main thread mostly waits on its threads; the master's one
 * thread formatting a line per job was what a --joblog cost (0.41 of a run without one).
 */
import { LineBuffer } from '../common/line-buffer.js';
import { JobLogLines, OK } from '../protocol/job-log-line.js';
import { forEachSeq, runsLength } from '../protocol/seq-runs.js';
import { timingBytes } from '../protocol/timings.js';
import type { Batch, BatchResult } from './thread-messages.js';

/** Bytes of a line but the slave's name, about: room for a report's lines in one buffer. */
const LINE_BYTES = 96;

/** `timings`, and `logLines` when they can be made here; nothing when the master wants no timings. */
export function doneJobLog(result: BatchResult, batch: Batch, slaveKey: string): { timings?: Uint8Array; logLines?: Uint8Array } {
  const { timings, seqs, failures } = result;
  if (timings === undefined) return {};
  const count = runsLength(seqs);
  // A failure's outcome (failed or dead) and a retry's attempt are the master's to know.
  if (failures.length > 0 || batch.attempts !== undefined || batch.origins !== undefined || count === 0) return { timings: timingBytes(timings) };
  const chunks: Buffer[] = [];
  const buffer = new LineBuffer(count * (LINE_BYTES + slaveKey.length), (chunk, length) => chunks.push(chunk.subarray(0, length)));
  const lines = new JobLogLines(buffer, slaveKey);
  forEachSeq(seqs, (seq, i) => lines.line(seq, 0, timings[2 * i], timings[2 * i + 1]!, OK));
  buffer.flush();
  return { timings: timingBytes(timings), logLines: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
}

/**
 * What one output file of a run (`--results`, or a channel's) holds, read before it is written:
 * whether it has the whole lines the state counts. (It is written through `state/jsonl-writer.ts`,
 * which cuts it back to that length on resume, so it holds each finished job's output exactly once.)
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readOrDefault } from '../../common/read-or-default.js';

/** Bytes of the file at `path`, 0 when there is none. */
export function sizeOf(path: string): number {
  return readOrDefault(path, 0, 'output file', (file) => statSync(file).size);
}

/** Whether the file at `path` holds at least `bytes` bytes, whole lines: the byte before `bytes` is a newline. */
export function holds(path: string, bytes: number): boolean {
  if (bytes === 0) return true;
  if (sizeOf(path) < bytes) return false;
  const fd = openSync(path, 'r');
  try {
    const last = Buffer.alloc(1);
    return readSync(fd, last, 0, 1, bytes - 1) === 1 && last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

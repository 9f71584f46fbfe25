/**
 * Per-job timings as a DONE carries them for the master's job log: two float64 per seq, when its
 * handler started (ms since the epoch) and how many ms it ran, as one binary field. A batch of
 * 4000 jobs is 64 KB copied as it is, not 8000 numbers encoded and decoded one by one.
 * Byte order: little-endian, the order of every platform taskmaster runs on (x64, arm64).
 */

/** Bytes per seq. */
export const TIMING_BYTES = 16;

/** The bytes of `timings`, for a DONE (a view: nothing is copied). */
export function timingBytes(timings: Float64Array): Uint8Array {
  return new Uint8Array(timings.buffer, timings.byteOffset, timings.byteLength);
}

/** The timings in a DONE's bytes, copied: a received frame's bytes may not lie 8-byte aligned. */
export function readTimings(bytes: Uint8Array): Float64Array {
  return new Float64Array(new Uint8Array(bytes).buffer);
}

/** The `[start, ms]` pairs of `timings` at `indexes`, in that order. */
export function timingsAt(timings: ArrayLike<number>, indexes: readonly number[]): Float64Array {
  const picked = new Float64Array(2 * indexes.length);
  for (let i = 0; i < indexes.length; i++) {
    picked[2 * i] = timings[2 * indexes[i]!]!;
    picked[2 * i + 1] = timings[2 * indexes[i]! + 1]!;
  }
  return picked;
}

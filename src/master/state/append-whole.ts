/**
 * Appends `bytes` to the file open at `fd`, whose length is `size`, all of them or none: a failed
 * write is cut back to `size`, so no torn line sits before the next append. Throws the write's
 * error (a failed cut-back is left to the next start, which cuts or ignores a torn tail anyway).
 */
import { ftruncateSync, writeSync } from 'node:fs';

export function appendWhole(fd: number, bytes: Uint8Array, size: number): void {
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  } catch (error) {
    try {
      ftruncateSync(fd, size);
    } catch {
      // The write's error is what matters.
    }
    throw error;
  }
}

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../../src/common/errors.js';
import { DeadLetterFile } from '../../../src/master/state/dead-letter-file.js';
import { readDeadLetters } from '../../../src/master/state/dead-letter-read.js';
import type { DeadLetter } from '../../../src/master/state/dead-letter-record.js';
import { tempDir } from '../../helpers/processes.js';

let dir: ReturnType<typeof tempDir>;
let mounted: string | undefined;

beforeEach(() => {
  dir = tempDir();
});

afterEach(() => {
  if (mounted !== undefined) execFileSync('umount', [mounted]);
  mounted = undefined;
  dir.remove();
});

/** A tmpfs of two pages: a record that crosses into the third is written short, then ENOSPC. */
function tinyDisk(): string {
  const path = join(dir.path, 'disk');
  mkdirSync(path);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', path]);
  mounted = path;
  return path;
}

/** A dead letter of about 700 bytes: lines that do not fit a page evenly. */
function letter(seq: number): DeadLetter {
  return { seq, job: { seq, padding: 'x'.repeat(600) }, attempts: 3, error: { message: `job ${seq} failed` } };
}

describe('DeadLetterFile', () => {
  it('counts a record written only when all of it is: a full disk refuses it whole, and leaves every earlier line intact', () => {
    const path = join(tinyDisk(), 'run.dead-letter.jsonl');
    const file = new DeadLetterFile(path);
    const written: number[] = [];
    let refused: unknown;
    for (let seq = 0; seq < 100 && refused === undefined; seq++) {
      try {
        file.write(letter(seq));
        written.push(seq);
      } catch (error) {
        refused = error;
      }
    }
    file.close();
    expect(refused).toBeInstanceOf(StateError);
    expect((refused as StateError).message).toMatch(/^could not write dead-letter file .*: ENOSPC/);
    // What was counted as written is what the file holds, each line whole, and nothing torn at its end.
    expect(readDeadLetters(path, { refuseTornEnd: true }).map((record) => record.seq)).toEqual(written);
  });
});

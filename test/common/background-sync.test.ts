import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackgroundSync } from '../../src/common/background-sync.js';
import { useTestDir } from '../helpers/test-dir.js';

const dir = useTestDir();

describe('BackgroundSync', () => {
  it('syncs once `every` bytes are written, while writing goes on, and settles', async () => {
    const path = join(dir.path, 'log');
    const fd = openSync(path, 'a');
    const sync = new BackgroundSync(fd, 10);
    writeSync(fd, 'abcdefghij');
    sync.wrote(10);
    writeSync(fd, 'k');
    sync.wrote(1);
    await sync.settled();
    expect(sync.error).toBeUndefined();
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe('abcdefghijk');
  });

  it('keeps the failure of a sync for the caller, who must throw it: the OS reports it once', async () => {
    // No process has this descriptor open (a closed one could be reused by the time the sync runs).
    const sync = new BackgroundSync(2_000_000_000, 1);
    sync.wrote(1);
    await sync.settled();
    expect(sync.error?.code).toBe('EBADF');
  });

  it('starts no sync before `every` bytes', async () => {
    const sync = new BackgroundSync(2_000_000_000, 100);
    sync.wrote(99);
    await sync.settled();
    expect(sync.error).toBeUndefined();
  });
});

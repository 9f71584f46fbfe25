import { describe, expect, it } from 'vitest';
import { SlaveRecord } from '../../../src/master/dispatch/slave-record.js';
import { PROTOCOL_VERSION, type Hello } from '../../../src/protocol/messages.js';

const hello = (extra: Partial<Hello> = {}): Hello => ({ command: 'HELLO', version: PROTOCOL_VERSION, slave: 'rid', host: 'host-a', pid: 42, threads: 2, concurrency: 3, capacity: 100, ...extra });

describe('a slave record', () => {
  it('is called host:pid, or its --name', () => {
    expect(new SlaveRecord(Buffer.from('a'), hello(), 0).name).toBe('host-a:42');
    expect(new SlaveRecord(Buffer.from('a'), hello({ name: 'gpu-box' }), 0).name).toBe('gpu-box');
  });

  it('counts its jobs done and failed, and its jobs/s over the last closed 2 s window', () => {
    const slave = new SlaveRecord(Buffer.from('a'), hello(), 0);
    slave.counted(100, 0, 500);
    expect(slave.status(1000)).toMatchObject({ done: 100, failed: 0, rate: 100, lastSeenMs: 1000 });
    slave.counted(300, 10, 2000);
    expect(slave.status(2000)).toMatchObject({ id: 'host-a:42', host: 'host-a', pid: 42, threads: 2, concurrency: 3, done: 390, failed: 10, rate: 200 });
    // Silent since: the next window says so.
    expect(slave.status(5000).rate).toBe(0);
  });
});

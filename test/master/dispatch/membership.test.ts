import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Membership } from '../../../src/master/dispatch/membership.js';
import type { SlaveRecord } from '../../../src/master/dispatch/slave-record.js';
import { createLogger } from '../../../src/common/log.js';
import { PROTOCOL_VERSION, type Hello } from '../../../src/protocol/messages.js';

const hello = (pid: number): Hello => ({ command: 'HELLO', version: PROTOCOL_VERSION, slave: `s${pid}`, host: 'h', pid, threads: 2, concurrency: 1, capacity: 100 });

describe('Membership', () => {
  const gone: Array<[string, string]> = [];
  let lines: string[] = [];
  let members: Membership;
  beforeEach(() => {
    vi.useFakeTimers();
    gone.length = 0;
    lines = [];
    const logger = createLogger('master', 'info', (line) => void lines.push(line));
    members = new Membership({ lease: 1000, logger, onGone: (slave: SlaveRecord, why) => void gone.push([slave.name, why]) });
  });
  afterEach(() => {
    members.close();
    vi.useRealTimers();
  });

  it('lets a slave go once it has been silent for longer than its lease, and not before', () => {
    members.admit(Buffer.from('a'), hello(1));
    vi.advanceTimersByTime(1000);
    expect(gone).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(gone).toEqual([['h:1', 'silent for more than 1000 ms (lease)']]);
    expect(members.size).toBe(0);
    expect(lines.join('')).toMatch(/warn: slave h:1 gone: silent for more than 1000 ms \(lease\)/);
  });

  it('keeps the lease of a slave that is heard from', () => {
    const a = members.admit(Buffer.from('a'), hello(1));
    members.admit(Buffer.from('b'), hello(2));
    for (let i = 0; i < 8; i++) {
      vi.advanceTimersByTime(500);
      members.heard(a);
    }
    expect(gone.map(([name]) => name)).toEqual(['h:2']);
    expect(members.get(Buffer.from('a'))).toBe(a);
  });

  it('replaces a slave that says HELLO again, handing back what the old record held, without a second "joined"', () => {
    const first = members.admit(Buffer.from('a'), hello(1));
    const second = members.admit(Buffer.from('a'), hello(1));
    expect(second).not.toBe(first);
    expect(gone).toEqual([['h:1', 'slave reconnected']]);
    expect(members.size).toBe(1);
    expect(lines.filter((l) => l.includes('joined'))).toHaveLength(1);
  });

  it('counts the threads of every slave', () => {
    members.admit(Buffer.from('a'), hello(1));
    members.admit(Buffer.from('b'), hello(2));
    expect(members.threads).toBe(4);
  });

  it('keeps the count of threads as slaves say HELLO again, leave and go silent, and tells whether a record is still admitted', () => {
    const a = members.admit(Buffer.from('a'), hello(1));
    const b = members.admit(Buffer.from('b'), { ...hello(2), threads: 5 });
    const again = members.admit(Buffer.from('a'), { ...hello(1), threads: 3 });
    expect(members.threads).toBe(8);
    expect([members.has(a), members.has(again), members.has(b)]).toEqual([false, true, true]);
    members.forget(b, 'slave left');
    expect(members.threads).toBe(3);
    expect(members.has(b)).toBe(false);
    vi.advanceTimersByTime(1250);
    expect(members.size).toBe(0);
    expect(members.threads).toBe(0);
  });
});

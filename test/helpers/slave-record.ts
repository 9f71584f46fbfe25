import { SlaveRecord } from '../../src/master/dispatch/slave-record.js';
import { PROTOCOL_VERSION, type Hello } from '../../src/protocol/messages.js';

/** The master's record of a slave of one thread running `concurrency` jobs at once, able to hold `capacity` jobs. */
export function slave(name: string, concurrency = 1, capacity = 1000): SlaveRecord {
  const hello: Hello = { command: 'HELLO', version: PROTOCOL_VERSION, slave: name, host: 'test', pid: 1, threads: 1, concurrency, capacity };
  return new SlaveRecord(Buffer.from(name), hello, 0);
}

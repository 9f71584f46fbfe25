import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/common/log.js';
import { BatchPolicy } from '../../../src/master/dispatch/batch-policy.js';
import { InFlight } from '../../../src/master/dispatch/in-flight.js';
import { Membership } from '../../../src/master/dispatch/membership.js';
import { Rounds } from '../../../src/master/dispatch/rounds.js';
import { JobSource } from '../../../src/master/jobs/job-buffer.js';
import { JobTable } from '../../../src/master/jobs/job-table.js';
import { RetryQueue } from '../../../src/master/jobs/retry-queue.js';
import { Ledger } from '../../../src/master/state/ledger.js';
import { runsLength } from '../../../src/protocol/seq-runs.js';
import { PROTOCOL_VERSION, type Hello } from '../../../src/protocol/messages.js';

/** A slave of one thread with 10 lanes: its first batches are 20 jobs (2 a lane). */
const hello = (name: string): Hello => ({ command: 'HELLO', version: PROTOCOL_VERSION, slave: name, host: 'h', pid: 1, threads: 1, concurrency: 10, capacity: 1000 });

/** The dispatch parts as the Dispatcher wires them, over a buffer of `jobs` jobs, and the batches sent: `[slave, jobs]`. */
async function parts(jobs: number) {
  const logger = createLogger('master', 'error', () => {});
  const table = new JobTable(4096, 1024);
  const source = new JobSource(
    Array.from({ length: jobs }, (_, i) => i),
    new Ledger(),
    table,
    { size: jobs, window: 4096, cursorMode: undefined },
  );
  const retries = new RetryQueue({ retries: 0, backoffMs: 100, onReady: () => {} });
  const policy = new BatchPolicy(source, retries);
  const sent: Array<[string, number]> = [];
  const inFlight = new InFlight(table, source, retries, policy.bytes, {
    runId: 'r',
    logger,
    send: (id, message) => void (message.command === 'JOBS' && sent.push([id.toString(), runsLength(message.seqs)])),
    onReport: () => {},
  });
  const members = new Membership({
    lease: 60_000,
    logger,
    onGone: (slave, why) => {
      rounds.changed(slave);
      inFlight.giveBack(slave, undefined, why);
    },
  });
  // Told of a slave gone only once the run goes, when it is set.
  const rounds = new Rounds(policy, inFlight, members, source);
  void source.pump();
  await expect.poll(() => source.length).toBe(jobs);
  return { members, rounds, sent, inFlight };
}

describe('Rounds', () => {
  let close = (): void => {};
  afterEach(() => close());

  it('serves every slave that wants a batch when another slave’s message makes jobs ready, and only the sender otherwise', async () => {
    const { members, rounds, sent, inFlight } = await parts(100);
    close = () => members.close();
    const admit = (name: string) => members.admit(Buffer.from(name), hello(name));
    const [a, b, c] = [admit('a'), admit('b'), admit('c')];
    // a and b grant 60 each: one batch of 20 a slave a round, until the 100 jobs are out.
    for (const slave of [a, b]) {
      slave.grant(60);
      rounds.review(slave);
    }
    rounds.all();
    expect(sent).toEqual([['a', 20], ['b', 20], ['a', 20], ['b', 20], ['a', 20]]);
    expect(rounds.ready).toBe(0);

    // c grants credit while nothing is ready: nothing to send.
    sent.length = 0;
    c.grant(20);
    rounds.after(c, rounds.ready, false);
    expect(sent).toEqual([]);

    // a leaves, handing back its 60 jobs: b and c, not a, are sent them, though the message was a's.
    const before = rounds.ready;
    a.leaving = true;
    a.credit = 0;
    inFlight.giveBack(a, undefined, 'slave leaving');
    members.forget(a, 'slave left', false);
    rounds.after(a, before, false);
    expect(sent).toEqual([['b', 20], ['c', 20]]);

    // b's own message with fresh credit: b alone is looked at, and takes the next 20.
    sent.length = 0;
    b.grant(20);
    rounds.after(b, rounds.ready, false);
    expect(sent).toEqual([['b', 20]]);
    expect(rounds.ready).toBe(0);
  });
});

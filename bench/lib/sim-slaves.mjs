// For the `fleet-sim` workload: many simulated slaves in one process, each its own DEALER socket
// speaking the real protocol (the project's own encoder and decoder, from dist/protocol), so
// that one master can be fed by a thousand slaves on two cores. A slave here says HELLO, grants
// credit as a real slave does (dist/slave/credit.js), PINGs to keep its lease, answers each
// JOBS with a DONE after its simulated handling time (`ms` per job over `lanes` lanes: threads 1,
// concurrency `lanes`; batches run one after another; with 0 ms, at once), and its QUIT with BYE.
//
// usage: node sim-slaves.mjs ENDPOINT PREFIX COUNT LANES MS LEASE_MS
// stderr: `sim PREFIX: welcomed by run RUN` at the first WELCOME, `sim PREFIX: all N welcomed`,
// and on SIGUSR2 `sim PREFIX: silenced NAME holding J jobs`: the next slave to receive a JOBS
// keeps them and says nothing more, neither PING nor DONE (its socket stays open), as a slave
// whose process hangs. stdout, once every slave has had its QUIT (or on SIGTERM):
// `{"done":[jobs per slave],"rehellos":N,"withoutQuit":M}` (N: times the master let a slave go, its
// lease run out, and it said HELLO again; M: slaves still waiting for their QUIT).
import { Dealer } from 'zeromq';
import { encodeMessage } from '../../dist/protocol/codec.js';
import { MAX_MESSAGE_SIZE, PROTOCOL_VERSION } from '../../dist/protocol/messages.js';
import { Outbox } from '../../dist/protocol/outbox.js';
import { runsLength } from '../../dist/protocol/seq-runs.js';
import { decodeMasterMessage } from '../../dist/protocol/validate.js';
import { creditToGrant } from '../../dist/slave/credit.js';

const [endpoint, prefix, countArg, lanesArg, msArg, leaseArg] = process.argv.slice(2);
const count = Number(countArg);
const lanes = Number(lanesArg);
const jobMs = Number(msArg);
const lease = Number(leaseArg);
const MAX_CREDIT = 20_000;

const say = (line) => process.stderr.write(`sim ${prefix}: ${line}\n`);
let welcomed = 0;
let quit = 0;
/** QUITs to wait for: a silenced slave gets none (the master let it go). */
let expected = count;
let silenceNext = false;
/** Times a slave was let go by the master (its lease ran out) and said HELLO again. */
let rehellos = 0;

/** One simulated slave: a DEALER, its credit, and the jobs it holds. */
class SimSlave {
  constructor(index) {
    this.name = `${prefix}-${index}`;
    this.socket = new Dealer({ routingId: this.name, maxMessageSize: MAX_MESSAGE_SIZE, linger: 0, sendHighWaterMark: 0, reconnectInterval: 100 });
    this.outbox = new Outbox(this.socket, (error) => say(`${this.name}: send failed: ${error.message}`));
    this.run = undefined;
    this.held = 0;
    this.granted = 0;
    this.done = 0;
    this.msKnown = undefined;
    this.busyUntil = 0;
    this.silent = false;
    this.quit = false;
    this.welcomed = false;
    this.socket.connect(endpoint);
    this.hello();
  }

  hello() {
    this.send({ command: 'HELLO', version: PROTOCOL_VERSION, slave: this.name, host: 'sim', pid: process.pid, threads: 1, concurrency: lanes, capacity: MAX_CREDIT, name: this.name });
  }

  /** The master let us go: what we held is void, and a new session starts at the next WELCOME. */
  rehello() {
    rehellos++;
    this.run = undefined;
    this.held = 0;
    this.granted = 0;
    this.hello();
  }

  send(message) {
    if (!this.silent) this.outbox.push(encodeMessage(message));
  }

  /** Credit for about 100 ms of work a lane, as a real slave grants it. */
  topUp() {
    const give = creditToGrant(lanes, this.msKnown, MAX_CREDIT, this.held, this.granted);
    this.granted += give;
    return give;
  }

  async serve() {
    for await (const frames of this.socket) {
      const decoded = decodeMasterMessage(frames);
      if (!decoded.ok) {
        say(`${this.name}: bad message: ${decoded.reason}`);
        continue;
      }
      const message = decoded.message;
      if (message.command === 'WELCOME' && this.run === undefined) {
        this.run = message.run;
        this.busyUntil = 0;
        if (!this.welcomed) {
          this.welcomed = true;
          if (welcomed++ === 0) say(`welcomed by run ${message.run}`);
          if (welcomed === count) say(`all ${count} welcomed`);
        }
        this.send({ command: 'CREDIT', run: this.run, credit: this.topUp() });
      } else if (message.command === 'JOBS' && message.run === this.run) {
        this.jobs(message.seqs);
      } else if (message.command === 'QUIT' && message.run === this.run) {
        // As a real slave: BYE answers it, and the master closes once every slave's has come.
        this.send({ command: 'BYE', run: this.run, returned: [] });
        this.quit = true;
        if (++quit === expected) finish();
        return;
      } else if (message.command === 'REJECT') {
        // As a real slave: a master that forgot us (our lease ran out) hears HELLO again.
        if (!message.rehello) say(`${this.name}: rejected: ${message.reason}`);
        else if (this.run !== undefined) this.rehello();
      }
    }
  }

  jobs(seqs) {
    const n = runsLength(seqs);
    this.granted = Math.max(0, this.granted - n);
    this.held += n;
    if (silenceNext) {
      silenceNext = false;
      this.silent = true;
      expected--;
      say(`silenced ${this.name} holding ${this.held} jobs`);
    }
    if (this.silent) return;
    if (jobMs === 0) return this.report(seqs, n);
    const now = performance.now();
    this.busyUntil = Math.max(now, this.busyUntil) + Math.ceil(n / lanes) * jobMs;
    setTimeout(() => this.report(seqs, n), this.busyUntil - now);
  }

  report(seqs, n) {
    if (this.silent || this.quit) return;
    this.held -= n;
    this.done += n;
    this.msKnown = jobMs;
    this.send({ command: 'DONE', run: this.run, seqs, failures: [], ms: n * jobMs, credit: this.topUp() });
  }
}

const slaves = Array.from({ length: count }, (_, i) => new SimSlave(i));
for (const slave of slaves) slave.serve().catch((error) => say(`${slave.name}: ${error.message}`));

// One timer for every slave's PING, a few times per lease, as a real slave's own timer does.
const pings = setInterval(
  () => {
    for (const slave of slaves) if (slave.run !== undefined && !slave.quit) slave.send({ command: 'PING', run: slave.run });
  },
  Math.max(50, Math.min(lease / 3, 1000)),
);

process.on('SIGUSR2', () => (silenceNext = true));
// The bench's stop for slaves whose QUIT never came (the master gone): their counts still go out, and how many they were.
process.on('SIGTERM', () => finish());

async function finish() {
  clearInterval(pings);
  process.stdout.write(`${JSON.stringify({ done: slaves.map((slave) => slave.done), rehellos, withoutQuit: expected - quit })}\n`);
  // The BYEs first (the sockets linger 0), for at most a second: a master that is gone takes none.
  await Promise.race([Promise.all(slaves.map((slave) => slave.outbox.flush())), new Promise((resolve) => setTimeout(resolve, 1000))]);
  for (const slave of slaves) {
    slave.outbox.close();
    slave.socket.close();
  }
}

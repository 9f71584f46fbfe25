// The floor's producer, the master's counterpart with no engine code: an async generator of ints
// (the noop task's getJobs), JSON batches over a ZeroMQ ROUTER, a few batches outstanding,
// counting acknowledgements until every job is back.
//   node floor-producer.mjs module=bench/tasks/noop.ts n=4000000 [batch=1000] [window=4]
import { Router } from 'zeromq';
import { loadTask, parseArgs, summary } from './common.mjs';

const args = parseArgs();
const n = Number(args.n);
const batchSize = Number(args.batch ?? 1000);
const window = Number(args.window ?? 4);
const { getJobs } = await loadTask(args.module);

const router = new Router();
await router.bind(args.address ?? 'tcp://127.0.0.1:*');
process.stderr.write(`floor-producer: listening on ${router.lastEndpoint}\n`);

const [peer] = await router.receive(); // HELLO
await router.send([peer, 'WELCOME', '']);
const startedAt = performance.now();
const jobs = getJobs(0, { n: String(n) })[Symbol.asyncIterator]();
let exhausted = false;
let outstanding = 0;
let acked = 0;

/** Sends batches until `window` are outstanding or the generator ends. */
async function fill() {
  while (!exhausted && outstanding < window) {
    const batch = [];
    while (batch.length < batchSize) {
      const next = await jobs.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      batch.push(next.value);
    }
    if (batch.length === 0) return;
    outstanding++;
    await router.send([peer, 'JOBS', JSON.stringify(batch)]);
  }
}

await fill();
while (outstanding > 0) {
  const [, command, payload] = await router.receive();
  if (String(command) !== 'ACK') continue;
  acked += JSON.parse(String(payload)).n;
  outstanding--;
  await fill();
}
await router.send([peer, 'QUIT', '']);
summary('floor-producer', acked, startedAt);
router.close();

// The floor's producer, the master's counterpart with no engine code: an async generator of ints
// (the noop task's getJobs), batches over a ZeroMQ ROUTER (JSON, or msgpack as the engine sends
// them), a few batches outstanding, counting acknowledgements until every job is back.
//   node floor-producer.mjs module=bench/tasks/noop.ts n=4000000 [batch=1000] [window=4] [codec=json|msgpack]
// With spawn=THREADS it starts its consumer itself, as tm-run starts a slave: bind, spawn the
// consumer, then load the task module; it exits once the consumer has.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Router } from 'zeromq';
import { codec, loadTask, parseArgs, summary } from './common.mjs';

const args = parseArgs();
const n = Number(args.n);
const batchSize = Number(args.batch ?? 1000);
const window = Number(args.window ?? 4);

const router = new Router();
await router.bind(args.address ?? 'tcp://127.0.0.1:*');
process.stderr.write(`floor-producer: listening on ${router.lastEndpoint}\n`);
const consumer =
  args.spawn === undefined
    ? undefined
    : spawn(process.execPath, [new URL('./floor-consumer.mjs', import.meta.url).pathname, `module=${args.module}`, `address=${router.lastEndpoint}`, `threads=${args.spawn}`, `codec=${args.codec ?? 'json'}`], { stdio: 'inherit' });
const { getJobs } = await loadTask(args.module);
const { encode } = await codec(args.codec);

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
    await router.send([peer, 'JOBS', encode(batch)]);
  }
}

await fill();
while (outstanding > 0) {
  const [, command, payload] = await router.receive();
  if (String(command) !== 'ACK') continue;
  acked += Number(String(payload));
  outstanding--;
  await fill();
}
await router.send([peer, 'QUIT', '']);
summary('floor-producer', acked, startedAt);
if (consumer !== undefined && consumer.exitCode === null) await once(consumer, 'exit');
router.close();

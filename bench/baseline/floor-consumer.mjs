// The floor's consumer, the slave's counterpart with no engine code: a ZeroMQ DEALER, each JSON
// batch run in a piscina pool, an acknowledgement back per batch.
//   node floor-consumer.mjs module=bench/tasks/noop.ts address=tcp://… [threads=2]
import { Dealer } from 'zeromq';
import { parseArgs, ready, startPool } from './common.mjs';

const args = parseArgs();
const pool = await startPool(args.module, Number(args.threads ?? 2));
const dealer = new Dealer();
dealer.connect(args.address);

// zeromq allows one pending send per socket: chain them.
let sending = Promise.resolve();
const send = (frames) => (sending = sending.then(() => dealer.send(frames)));

await send(['HELLO', '']);
for (let quit = false; !quit; ) {
  const [command, payload] = await dealer.receive();
  switch (String(command)) {
    case 'WELCOME':
      ready('floor-consumer');
      break;
    case 'JOBS':
      void pool.run(JSON.parse(String(payload))).then((count) => send(['ACK', JSON.stringify({ n: count })]));
      break;
    case 'QUIT':
      quit = true;
      break;
  }
}
await sending;
dealer.close();
await pool.destroy();

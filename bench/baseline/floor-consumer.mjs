// The floor's consumer, the slave's counterpart with no engine code: a ZeroMQ DEALER, each batch
// run in a piscina pool (JSON decoded here, msgpack in the thread), an acknowledgement back per batch.
//   node floor-consumer.mjs module=bench/tasks/noop.ts address=tcp://… [threads=2] [codec=json|msgpack]
import { Dealer } from 'zeromq';
import { parseArgs, ready, startPool } from './common.mjs';

const args = parseArgs();
const msgpack = args.codec === 'msgpack';
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
      void pool.run(msgpack ? payload : JSON.parse(String(payload))).then((count) => send(['ACK', String(count)]));
      break;
    case 'QUIT':
      quit = true;
      break;
  }
}
await sending;
dealer.close();
await pool.destroy();

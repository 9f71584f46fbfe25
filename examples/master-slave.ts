// examples/master-slave.ts: a master and a slave in one process, for finer control
import { Master, Slave } from 'taskmaster-ts';

const module = new URL('./squares.ts', import.meta.url).pathname;
const master = await Master.start({ module, args: { n: '1000' }, address: 'tcp://127.0.0.1:*', reset: true, logLevel: 'warn' });
const slave = await Slave.start({ module, address: master.endpoint, threads: 2, logLevel: 'warn' });
const summary = await master.done; // { outcome: 'finished', done: 1000, … }
await slave.done; // it leaves on the master's QUIT
console.log(`${summary.outcome}: ${summary.done} jobs`);

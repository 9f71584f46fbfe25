// examples/embed.ts: a run from your own code, with progress, typed results and Ctrl-C
import { run } from 'taskmaster-ts';
import type squares from './typed-squares.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort()); // a graceful stop; handle.destroy() stops at once

const handle = run<typeof squares>({
  module: new URL('./typed-squares.ts', import.meta.url),
  args: { n: '10000' },
  slaves: 2,
  results: true, // read them as they come: unread, they hold the run back
  maxFailures: 10,
  signal: controller.signal,
});
handle.on('progress', (p) => process.stderr.write(`${p.finished} finished, ${Math.round(p.rate)} jobs/s\n`));

let checked = 0;
for await (const { job, result } of handle.results) {
  // job: number, result: { i: number; square: number }, from the task's own types
  if (result.square !== job * job) throw new Error(`job ${job} squared to ${result.square}`);
  checked++;
}
const summary = await handle.done; // once every slave process has exited
console.log(`${summary.outcome}: ${summary.done} jobs done, ${checked} results checked`);
process.exitCode = summary.exitCode;

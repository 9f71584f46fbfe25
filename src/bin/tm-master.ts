#!/usr/bin/env -S node --max-semi-space-size=16
// A young generation of 16 MB: jobs live in the job table, not as objects, so a scavenge frees
// nearly everything, and fewer of them is a plain win (bench: 0.79 of the floor at 4 MB, 0.86 at
// 16 MB; master peak RSS 142 MB at 1M jobs and 142.5 MB at 10M).
import { commandLine, masterExitCodes } from '../cli/command-line.js';
import { commonFlags, httpFlags, masterCurveFlags, masterFlags, shipFlags } from '../cli/flags.js';
import { startWatched } from '../cli/watched-start.js';
import { main, onStopSignals } from '../cli/main.js';
import { insecureWarning, masterOptionsFrom } from '../cli/master-command.js';
import { showProgress } from '../cli/progress-display.js';
import { summaryLines } from '../cli/summary-lines.js';
import { Master } from '../master/master.js';

main('tm-master', async () => {
  const signals = onStopSignals();
  const argv = await commandLine({
    name: 'tm-master',
    usage:
      '$0 module[:fn] [key=value…]\n\nServes the jobs that the module’s generator yields to slaves, and checkpoints how far it got. The generator is `getJobs` (or `fn`): a named export, or a function of the default export object. `key=value` words reach it as `args`.',
    flags: { ...commonFlags, ...masterFlags, ...masterCurveFlags, ...shipFlags, ...httpFlags },
    examples: [
      ['$0 examples/squares.ts n=1000000', 'Serve a million jobs on tcp://127.0.0.1:3050, for `tm-slave examples/squares.ts`'],
      ['$0 taskmaster-ts/sources/lines path=huge.csv skip-header=true', 'A job per line of huge.csv (a built-in source: lines, jsonl, range, pg), for `tm-slave ./handler.ts`'],
      ['$0 tasks.ts:rows table=users --address tcp://0.0.0.0:3050 --curve-secret master.key --authorized-keys slaves.pub', 'Serve the generator `rows` to the slaves whose keys slaves.pub lists, on any host, encrypted'],
      ['$0 tasks.ts:rows table=users --address tcp://0.0.0.0:3050 --insecure', 'The same to any slave, unencrypted: only on a network you trust'],
      ['$0 tasks.ts --ship --address tcp://0.0.0.0:3050 --curve-secret master.key --authorized-keys slaves.pub', 'Also send tasks.ts’s handleJob, bundled, to slaves started with no module (tm-slave --server-key …)'],
    ],
    exitCodes: masterExitCodes(),
  })
    .demandCommand(1, 'Name a task module: tm-master module[:fn] [key=value…]')
    .parse();
  const options = masterOptionsFrom(argv, argv._.map(String));
  const { master, window: dashboard } = await startWatched(argv, () => Master.start(options));
  // Where it listens is the master's own first log line.
  const warning = insecureWarning(options);
  if (warning !== undefined) process.stderr.write(`tm-master: ${warning}\n`);
  const hideProgress = argv.progress ? showProgress(master) : () => {};
  signals.attach((signal) => master.stop(signal));
  const summary = await master.done;
  await dashboard?.close();
  signals.dispose();
  hideProgress();
  // A failure's reason was said once, by the master's log, as it happened.
  for (const line of summaryLines(summary)) process.stdout.write(`tm-master: ${line}\n`);
  return summary.exitCode;
});

#!/usr/bin/env -S node --max-semi-space-size=16
// A young generation of 16 MB: jobs live in the job table, not as objects, so a scavenge frees
// nearly everything, and fewer of them is a plain win (bench: 0.79 of the floor at 4 MB, 0.86 at
// 16 MB; master peak RSS 142 MB at 1M jobs and 142.5 MB at 10M).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commonFlags, failUsage, masterFlags } from '../cli/flags.js';
import { main, onStopSignals, signalExitCode } from '../cli/main.js';
import { masterOptionsFrom } from '../cli/master-command.js';
import { showProgress } from '../cli/progress-display.js';
import { summaryLine } from '../cli/summary.js';
import { Master } from '../master/master.js';
import { VERSION } from '../version.js';

main('tm-master', async () => {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('tm-master')
    .usage('$0 module[:fn] [key=value…]\n\nServes the jobs that module’s generator (default export `getJobs`) yields to slaves, and checkpoints how far it got.')
    .options({ ...commonFlags, ...masterFlags })
    .demandCommand(1, 'Name a task module: tm-master module[:fn] [key=value…]')
    .strict()
    .fail(failUsage('tm-master'))
    .version(VERSION)
    .help()
    .parse();
  const master = await Master.start(masterOptionsFrom(argv, argv._.map(String)));
  process.stderr.write(`tm-master: listening on ${master.endpoint}\n`);
  const hideProgress = argv.progress ? showProgress(master) : () => {};
  const signals = onStopSignals(() => master.stop());
  const summary = await master.done;
  signals.dispose();
  hideProgress();
  process.stdout.write(`tm-master: ${summaryLine(summary)}\n`);
  if (summary.error) process.stderr.write(`tm-master: ${summary.error.message}\n`);
  return summary.outcome === 'stopped' ? signalExitCode(signals.signal) : summary.exitCode;
});

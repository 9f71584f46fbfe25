#!/usr/bin/env -S node --max-semi-space-size=16
// A young generation capped at 4 MB keeps the master flat: left to grow, it took the peak from
// 113 MB (1M jobs) to 196 MB (10M jobs) at no gain in speed (bench, this 2-core machine).
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

#!/usr/bin/env -S node --max-semi-space-size=16
// A young generation of 16 MB: jobs live in the job table, not as objects, so a scavenge frees
// nearly everything, and fewer of them is a plain win (bench: 0.79 of the floor at 4 MB, 0.86 at
// 16 MB; master peak RSS 142 MB at 1M jobs and 142.5 MB at 10M).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { checkInteger } from '../check.js';
import { commonFlags, failUsage, masterFlags, slaveFlags } from '../cli/flags.js';
import { main, onStopSignals, signalExitCode } from '../cli/main.js';
import { masterOptionsFrom } from '../cli/master-command.js';
import { showProgress } from '../cli/progress-display.js';
import { summaryLine } from '../cli/summary.js';
import { parseTarget } from '../load.js';
import { createLogger, type LogLevel } from '../log.js';
import { Master } from '../master/master.js';
import { Supervisor } from '../spawn/supervisor.js';
import { VERSION } from '../version.js';

/** How long slaves told QUIT get to leave before they are told again, with a signal. */
const SLAVES_LEAVE_MS = 5000;

main('tm-run', async () => {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('tm-run')
    .usage('$0 module N [key=value…]\n\nA master and N slaves on this host in one command.')
    .options({ ...commonFlags, ...masterFlags, ...slaveFlags })
    .default('address', 'tcp://127.0.0.1:*')
    .demandCommand(2, 'Name a task module and a slave count: tm-run module N [key=value…]')
    .strict()
    .fail(failUsage('tm-run'))
    .version(VERSION)
    .help()
    .parse();
  const [target, n, ...words] = argv._.map(String) as [string, string, ...string[]];
  const count = checkInteger('N', Number(n), 1, n);
  const master = await Master.start(masterOptionsFrom(argv, [target, ...words]));
  // The slaves run the module's default handler: `fn` names the master's generator.
  const supervisor = new Supervisor(
    { target: parseTarget(target).module, count, address: master.endpoint, threads: argv.threads, concurrency: argv.concurrency, logLevel: argv.logLevel, cwd: process.cwd() },
    createLogger('tm-run', argv.logLevel as LogLevel),
  );
  const hideProgress = argv.progress ? showProgress(master) : () => {};
  const signals = onStopSignals((signal) => {
    master.stop();
    supervisor.stop(signal);
  });
  // Slaves that cannot load the module end the run: nothing would ever take a job.
  void supervisor.done.then((code) => code === 2 && master.stop());
  const summary = await master.done;
  // After a finished run the slaves have their QUIT and leave by themselves; stop any that linger.
  const linger = setTimeout(() => supervisor.stop(), summary.outcome === 'finished' ? SLAVES_LEAVE_MS : 0);
  const slavesCode = await supervisor.done;
  clearTimeout(linger);
  signals.dispose();
  hideProgress();
  process.stdout.write(`tm-run: ${summaryLine(summary)}\n`);
  if (summary.error) process.stderr.write(`tm-run: ${summary.error.message}\n`);
  if (slavesCode === 2 && summary.outcome !== 'finished') return 2;
  return summary.outcome === 'stopped' ? signalExitCode(signals.signal) : summary.exitCode;
});

#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { checkInteger } from '../check.js';
import { commonFlags, failUsage, slaveFlags } from '../cli/flags.js';
import { main, onStopSignals, signalExitCode } from '../cli/main.js';
import { parseTarget, resolveModule } from '../load.js';
import { createLogger, type LogLevel } from '../log.js';
import { Supervisor } from '../spawn/supervisor.js';
import { VERSION } from '../version.js';

main('tm-spawn', async () => {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('tm-spawn')
    .usage('$0 module[:fn] N\n\nRuns N slave processes and keeps them running until the master says the run is over.')
    .options({ ...commonFlags, ...slaveFlags })
    .demandCommand(2, 2, 'Name a task module and a count: tm-spawn module[:fn] N', 'Too many words: tm-spawn module[:fn] N')
    .strict()
    .fail(failUsage('tm-spawn'))
    .version(VERSION)
    .help()
    .parse();
  const [target, n] = argv._.map(String) as [string, string];
  const count = checkInteger('N', Number(n), 1, n);
  // A module that is not there fails once here, not once in every slave.
  resolveModule(parseTarget(target).module, process.cwd());
  const supervisor = new Supervisor(
    { target, count, address: argv.address, threads: argv.threads, concurrency: argv.concurrency, logLevel: argv.logLevel, cwd: process.cwd() },
    createLogger('tm-spawn', argv.logLevel as LogLevel),
  );
  const signals = onStopSignals((signal) => supervisor.stop(signal));
  const code = await supervisor.done;
  signals.dispose();
  return code !== 0 ? code : signals.signal ? signalExitCode(signals.signal) : 0;
});

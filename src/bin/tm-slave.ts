#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation keeps the slave flat: its main thread only relays batches, and a
// large one grew its memory with the length of a run (bench: 1M vs 10M jobs) at no gain in speed.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commonFlags, failUsage, slaveFlags, slaveProcessFlags } from '../cli/flags.js';
import { main, onStopSignals, signalExitCode } from '../cli/main.js';
import { parseTarget } from '../load.js';
import type { LogLevel } from '../log.js';
import { Slave } from '../slave/slave.js';
import { VERSION } from '../version.js';

main('tm-slave', async () => {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('tm-slave')
    .usage('$0 module[:fn]\n\nRuns jobs from a master through that module’s handler (default export `handleJob`) in a thread pool.')
    .options({ ...commonFlags, ...slaveFlags, ...slaveProcessFlags })
    .demandCommand(1, 'Name a task module: tm-slave module[:fn]')
    .strict()
    .fail(failUsage('tm-slave'))
    .version(VERSION)
    .help()
    .parse();
  const target = parseTarget(String(argv._[0]));
  // Started by tm-spawn or tm-run (an IPC channel): noted now, as the supervisor may die while the threads start.
  const supervised = process.send !== undefined;
  const slave = await Slave.start({
    module: target.module,
    fn: target.fn,
    address: argv.address,
    threads: argv.threads,
    concurrency: argv.concurrency,
    maxCredit: argv.maxCredit,
    logLevel: argv.logLevel as LogLevel,
  });
  const signals = onStopSignals(() => slave.stop());
  // When the supervisor dies (even by SIGKILL) its channel closes: leave rather than linger as an orphan.
  if (supervised && process.connected) process.once('disconnect', () => slave.stop());
  else if (supervised) slave.stop();
  const summary = await slave.done;
  signals.dispose();
  if (process.connected) process.disconnect();
  if (summary.reason === 'rejected') return 2;
  return summary.reason === 'stopped' ? signalExitCode(signals.signal ?? 'SIGTERM') : 0;
});

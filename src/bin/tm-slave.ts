#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation keeps the slave flat: its main thread only relays batches, and a
// large one grew its memory with the length of a run (bench: 1M vs 10M jobs) at no gain in speed.
import { checkEndpoint } from '../check.js';
import { commandLine } from '../cli/command-line.js';
import { commonFlags, slaveFlags } from '../cli/flags.js';
import { main, onStopSignals, signalExitCode } from '../cli/main.js';
import { parseTarget } from '../load.js';
import type { LogLevel } from '../log.js';
import { Slave } from '../slave/slave.js';

main('tm-slave', async () => {
  const argv = await commandLine({
    name: 'tm-slave',
    usage:
      '$0 module[:fn]\n\nRuns jobs from a master through the module’s handler in a thread pool. The handler is `handleJob` (or `fn`): a named export, or a function of the default export object.',
    flags: { ...commonFlags, ...slaveFlags },
    examples: [
      ['$0 examples/squares.ts', 'Run jobs from the master on tcp://127.0.0.1:3050, a thread per CPU'],
      ['$0 tasks.ts:migrate --address tcp://10.0.0.5:3050 --threads 2 --concurrency 50', 'Run `migrate` for a master on another host, 100 jobs at once'],
    ],
    exitCodes: [
      'Exit codes:',
      '  0    the master said the run is over',
      '  1    a fatal error',
      '  2    a usage error (a bad flag, address, module or export), or the master refused this slave',
      '  130  stopped by SIGINT: running jobs finished, unstarted ones handed back',
      '  143  stopped by SIGTERM: the same',
    ].join('\n'),
  })
    .demandCommand(1, 'Name a task module: tm-slave module[:fn]')
    .parse();
  checkEndpoint(argv.address, 'connect');
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

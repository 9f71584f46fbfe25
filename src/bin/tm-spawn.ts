#!/usr/bin/env node
import { checkEndpoint } from '../common/check-endpoint.js';
import { checkInteger } from '../common/check-integer.js';
import { commandLine } from '../cli/command-line.js';
import { clientCurveFlags, commonFlags, loneSlaveFlags, slaveCodeFlags, slaveFlags, stdinKeysFlags } from '../cli/flags.js';
import { clientCurve } from '../curve/curve-config.js';
import { main, onStopSignals, signalExitCode } from '../cli/main.js';
import { parseTarget, resolveModule } from '../task/load.js';
import { createLogger, type LogLevel } from '../common/log.js';
import { UsageError } from '../common/errors.js';
import { Supervisor } from '../spawn/supervisor.js';
import { readStdinKeys, stopOnEnd } from '../curve/stdin-keys.js';

main('tm-spawn', async () => {
  const signals = onStopSignals();
  const argv = await commandLine({
    name: 'tm-spawn',
    usage:
      '$0 module[:fn] N\n$0 N\n\nRuns N slave processes (tm-slave) and keeps them running until the master says the run is over. With no module, they run the handler the master ships (--ship). Takes the flags of tm-slave. With --keys-stdin (as tm-run --hosts starts it over ssh) it stops its slaves when stdin ends.',
    flags: { ...commonFlags, ...slaveFlags, ...loneSlaveFlags, ...clientCurveFlags, ...slaveCodeFlags, ...stdinKeysFlags },
    examples: [
      ['$0 examples/squares.ts 4 --address tcp://10.0.0.5:3050', '4 slaves for a master on another host, their threads sharing the CPUs'],
      ['$0 tasks.ts:migrate 2 --threads 1 --max-credit 100', '2 one-thread slaves of `migrate`, each holding at most 100 jobs'],
      ['$0 tasks.ts 4 --address tcp://10.0.0.5:3050 --curve-secret slave.key --server-key master.pub --name gpu-a', '4 CURVE slaves sharing one key, named gpu-a-1 … gpu-a-4'],
      ['$0 4 --address tcp://10.0.0.5:3050 --curve-secret slave.key --server-key master.pub', '4 slaves of the handler a `tm-master --ship` sends'],
    ],
    exitCodes: [
      'Exit codes:',
      '  0    every slave left after the master said the run is over',
      '  1    a fatal error',
      '  2    a usage error, or a slave exited 2 (it cannot load the module, or was refused): all stop',
      '  3    its slaves gave up: no master answered for --give-up-after ms',
      '  130  stopped by SIGINT, passed on to the slaves',
      '  143  stopped by SIGTERM, passed on to the slaves',
    ].join('\n'),
  })
    .demandCommand(1, 2, 'Name a count, and a task module unless the master ships one: tm-spawn [module[:fn]] N', 'Too many words: tm-spawn [module[:fn]] N')
    .parse();
  // One word: a count of slaves that run the master's code.
  const words = argv._.map(String);
  if (words.length === 1 && !/^\d+$/.test(words[0]!)) throw new UsageError(`Name a count of slaves: tm-spawn module[:fn] N, or tm-spawn N for slaves that run the code the master ships; got only \`${words[0]}\``);
  const [target, n] = words.length === 1 ? [undefined, words[0]!] : [words[0], words[1]!];
  const count = checkInteger('N', Number(n), 1, n);
  // A bad address fails once here, not in every slave, again at every restart.
  checkEndpoint(argv.address, 'connect');
  // A module that is not there fails once here, not once in every slave.
  if (target !== undefined) resolveModule(parseTarget(target).module, process.cwd());
  // Key files too: a missing one fails here, and a loose one is warned about once, not once per slave.
  const stdin = argv.keysStdin ? await readStdinKeys(process.stdin) : undefined;
  const curve = clientCurve({ ...argv, keys: stdin?.keys }, (message) => process.stderr.write(`tm-spawn: ${message}\n`));
  const slaveArgs = curve === undefined || stdin !== undefined ? [] : ['--curve-secret', argv.curveSecret!, '--server-key', argv.serverKey!];
  if (argv.allowSkew) slaveArgs.push('--allow-skew');
  if (argv.shipExternal !== undefined && argv.shipExternal.length > 0) slaveArgs.push('--ship-external', argv.shipExternal.join(','));
  const { address, threads, concurrency, maxCredit, logLevel, name, giveUpAfter } = argv;
  const supervisor = new Supervisor(
    { target, count, address, threads, concurrency, maxCredit, logLevel, cwd: process.cwd(), name, slaveArgs, keys: stdin?.keys, giveUpAfter },
    createLogger('tm-spawn', argv.logLevel as LogLevel),
  );
  signals.attach((signal) => supervisor.stop(signal));
  // Tied to whoever gave the keys (tm-run's ssh session): when it is gone, so are we.
  void stdin?.ended.then(() => stopOnEnd(supervisor));
  const code = await supervisor.done;
  signals.dispose();
  return code !== 0 ? code : signals.signal ? signalExitCode(signals.signal) : 0;
});

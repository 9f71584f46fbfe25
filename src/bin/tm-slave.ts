#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// A small young generation keeps the slave flat: its main thread only relays batches, and a
// large one grew its memory with the length of a run (bench: 1M vs 10M jobs) at no gain in speed.
// Two malloc arenas, not one per thread (glibc's 8 per core): ZeroMQ's I/O thread, the main
// thread and the pool's threads otherwise each fill their own (40M no-op jobs, 2 runs each:
// slave peak 135-137 MB against 141-144 MB, at no speed cost the runs could tell). tm-run and
// tm-spawn pass it to their slaves (spawn/shebang.ts); `node tm-slave.js` by hand does not.
import { checkEndpoint } from '../common/check-endpoint.js';
import { commandLine } from '../cli/command-line.js';
import { clientCurveFlags, commonFlags, loneSlaveFlags, slaveCodeFlags, slaveFlags, stdinKeysFlags } from '../cli/flags.js';
import { readStdinKeys, stopOnEnd } from '../curve/stdin-keys.js';
import { main, onStopSignals, signalExitCode } from '../cli/main.js';
import { EXIT } from '../common/exit-codes.js';
import { parseTarget } from '../task/load.js';
import type { LogLevel } from '../common/log.js';
import type { SlaveSummary } from '../slave/slave-summary.js';
import type { Slave } from '../slave/slave.js';
import { startSlave } from '../slave/start.js';
import { GaveUp } from '../slave/give-up-clock.js';
import { RUN_OVER } from '../spawn/ipc.js';

/** Why a slave left, as its last line says it. */
const LEFT_BECAUSE: Record<Exclude<SlaveSummary['reason'], 'gave-up'>, string> = { quit: 'the run is over', stopped: 'stopped', rejected: 'the master refused this slave' };

main('tm-slave', async () => {
  // Signals are ours from the start: one that comes while the threads start stops the slave as
  // soon as it exists (left to the default, it would kill a slave that had just said HELLO, and
  // as pid 1 it would be ignored); a second one then, with nothing yet received, exits at once.
  const signals = onStopSignals();
  const argv = await commandLine({
    name: 'tm-slave',
    usage:
      '$0 [module[:fn]]\n\nRuns jobs from a master through the module’s handler in a thread pool. The handler is `handleJob` (or `fn`): a named export, or a function of the default export object. With no module, runs the handler the master ships (tm-master --ship), taken only over CURVE (--server-key) or from this host.',
    flags: { ...commonFlags, ...slaveFlags, ...loneSlaveFlags, ...clientCurveFlags, ...slaveCodeFlags, ...stdinKeysFlags },
    examples: [
      ['$0 examples/squares.ts', 'Run jobs from the master on tcp://127.0.0.1:3050, a thread per CPU'],
      ['$0 tasks.ts:migrate --address tcp://10.0.0.5:3050 --threads 2 --concurrency 50', 'Run `migrate` for a master on another host, 100 jobs at once'],
      ['$0 tasks.ts --address tcp://10.0.0.5:3050 --curve-secret slave.key --server-key master.pub', 'Join a CURVE master: slave.pub must be in its --authorized-keys'],
      ['$0 tasks.ts --address tcp://master:3050 --give-up-after 600000', 'Exit 3 if no master answers for 10 minutes (a pod whose master is gone for good)'],
      ['$0 --address tcp://10.0.0.5:3050 --curve-secret slave.key --server-key master.pub', 'Run the handler a `tm-master --ship` sends: no module on this host'],
    ],
    exitCodes: [
      'Exit codes:',
      '  0    the master said the run is over',
      '  1    a fatal error',
      '  2    a usage error (a bad flag, address, module or export), the master refused this slave (or its code), or code that this slave refuses to run',
      '  3    no master answered for --give-up-after ms: running jobs abandoned (the next master gives them out again)',
      '  130  stopped by SIGINT: running jobs finished, unstarted ones handed back',
      '  143  stopped by SIGTERM: the same',
    ].join('\n'),
  })
    .demandCommand(0, 1, '', 'Too many words: tm-slave [module[:fn]]')
    .parse();
  checkEndpoint(argv.address, 'connect');
  const target = argv._[0] === undefined ? undefined : parseTarget(String(argv._[0]));
  // Started by tm-spawn or tm-run (an IPC channel): noted now, as the supervisor may die (or say
  // the run is over) while the threads start.
  const supervised = process.send !== undefined;
  let runOver = false;
  const onMessage = (message: unknown): void => void (runOver ||= message === RUN_OVER);
  process.on('message', onMessage);
  // Keys over stdin (from tm-spawn, tm-run): never in a file, nor on the command line.
  const stdin = argv.keysStdin ? await readStdinKeys(process.stdin) : undefined;
  // With no module, a stop (or the supervisor gone) while it waits for the master's code ends it.
  const fetching = new AbortController();
  if (target === undefined) {
    signals.attach(() => fetching.abort());
    process.once('disconnect', () => fetching.abort());
    void stdin?.ended.then(() => fetching.abort());
  }
  let slave: Slave;
  try {
    slave = await startSlave(
      {
        module: target?.module,
        fn: target?.fn,
        address: argv.address,
        threads: argv.threads,
        concurrency: argv.concurrency,
        maxCredit: argv.maxCredit,
        name: argv.name,
        curveSecret: argv.curveSecret,
        serverKey: argv.serverKey,
        curveKeys: stdin?.keys,
        giveUpAfter: argv.giveUpAfter,
        allowSkew: argv.allowSkew,
        shipExternal: argv.shipExternal,
        bundleHash: argv.bundleHash ? undefined : false,
        logLevel: argv.logLevel as LogLevel,
      },
      fetching.signal,
    );
  } catch (error) {
    if (error instanceof GaveUp) process.stderr.write(`tm-slave: gave up: no master sent its code for ${error.waitedMs} ms (--give-up-after)\n`);
    if (error instanceof GaveUp) return EXIT.gaveUp;
    if (fetching.signal.aborted) return signalExitCode(signals.signal ?? 'SIGTERM');
    throw error;
  }
  signals.attach(() => slave.stop());
  // Whoever gave the keys is gone (stdin ended): leave, as on a signal.
  void stdin?.ended.then(() => stopOnEnd(slave));
  // The supervisor says the run is over: leave as on the master's QUIT. When it dies (even by
  // SIGKILL) its channel closes: leave rather than linger as an orphan.
  process.off('message', onMessage);
  process.on('message', (message: unknown) => message === RUN_OVER && slave.quit());
  if (runOver) slave.quit();
  else if (supervised && process.connected) process.once('disconnect', () => slave.stop());
  else if (supervised) slave.stop();
  const summary = await slave.done;
  signals.dispose();
  // Alone, it says what it did; under tm-spawn or tm-run the master's summary says it for all.
  const why = summary.reason === 'gave-up' ? `gave up: no master answered for ${argv.giveUpAfter} ms (--give-up-after)` : LEFT_BECAUSE[summary.reason];
  if (!supervised) process.stdout.write(`tm-slave: ${summary.done + summary.failed} jobs run, ${summary.failed} failed; ${why}\n`);
  if (process.connected) process.disconnect();
  if (summary.reason === 'rejected') return EXIT.usage;
  if (summary.reason === 'gave-up') return EXIT.gaveUp;
  return summary.reason === 'stopped' ? signalExitCode(signals.signal ?? 'SIGTERM') : 0;
});

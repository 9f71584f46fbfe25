#!/usr/bin/env -S node --max-semi-space-size=16
// A young generation of 16 MB: jobs live in the job table, not as objects, so a scavenge frees
// nearly everything, and fewer of them is a plain win (bench: 0.79 of the floor at 4 MB, 0.86 at
// 16 MB; master peak RSS 142 MB at 1M jobs and 142.5 MB at 10M).
import { checkInteger } from '../check.js';
import { commandLine, masterExitCodes } from '../cli/command-line.js';
import { clientCurveFlags, commonFlags, httpFlags, masterCurveFlags, masterFlags, slaveFlags } from '../cli/flags.js';
import { startWatched } from '../cli/http-window.js';
import { main, onStopSignals } from '../cli/main.js';
import { insecureWarning, masterOptionsFrom } from '../cli/master-command.js';
import { showProgress } from '../cli/progress-display.js';
import { exitCodeOf, summaryLines } from '../cli/summary.js';
import { readPublicKey, readSecretKey } from '../curve/keys.js';
import { throwawayKeys } from '../curve/throwaway-keys.js';
import { UsageError } from '../errors.js';
import { parseTarget } from '../load.js';
import { createLogger, type LogLevel } from '../log.js';
import { Master } from '../master/master.js';
import { Supervisor } from '../spawn/supervisor.js';

const SOURCE_FLAG = { type: 'string', requiresArg: true, describe: 'The module whose generator (`getJobs`, or `fn`) the master runs, such as taskmaster-ts/sources/lines; the positional module is then the slaves’ handler' } as const;

/** How long slaves told the run is over get to leave before they are told again, with a signal. */
const SLAVES_LEAVE_MS = 5000;

main('tm-run', async () => {
  const argv = await commandLine({
    name: 'tm-run',
    usage:
      '$0 module[:fn] N [key=value…]\n$0 --source module[:fn] handler[:fn] N [key=value…]\n\nA master and N slaves on this host in one command: the master runs the generator (`getJobs`, or `fn`), the slaves `handleJob`. With --source, the master runs that module’s generator and the slaves the handler module’s `handleJob` (or `fn`). Takes the flags of tm-master and of tm-slave.',
    flags: { ...commonFlags, ...masterFlags, ...slaveFlags, ...masterCurveFlags, 'server-key': clientCurveFlags['server-key'], source: SOURCE_FLAG, ...httpFlags },
    examples: [
      ['$0 examples/squares.ts 4 n=1000000', 'A million jobs through 4 slaves, their threads sharing the CPUs'],
      ['$0 tasks.ts 2 file=huge.csv --state huge.state.json --max-credit 100', 'Slow jobs: each slave holds at most 100, and a rerun resumes from the state'],
      ['$0 --source taskmaster-ts/sources/lines ./handler.ts 2 path=huge.csv', 'A job per line of huge.csv (the built-in source), each run by handler.ts’s handleJob'],
      ['$0 tasks.ts 2 --address tcp://0.0.0.0:3050 --curve-secret master.key --authorized-keys more.pub', 'CURVE: these 2 slaves (keys made for them) and those of more.pub on other hosts'],
    ],
    exitCodes: masterExitCodes('a usage error (a bad flag, module, export, word or state file), or no slave loads it'),
  })
    .default('address', 'tcp://127.0.0.1:*')
    .demandCommand(2, 'Name a task module and a slave count: tm-run module N [key=value…]')
    .parse();
  const [target, n, ...words] = argv._.map(String) as [string, string, ...string[]];
  const count = checkInteger('N', Number(n), 1, n);
  // With --source the positional module is the slaves' alone, `fn` and all; without, `fn` is the master's generator.
  const options = masterOptionsFrom(argv, [argv.source ?? target, ...words]);
  const slaveTarget = argv.source === undefined ? parseTarget(target).module : target;
  // With CURVE, its own slaves get a key pair made for them, which the master trusts (it warns of a loose key file itself).
  const serverKey = options.curveSecret === undefined ? undefined : readSecretKey(options.curveSecret, 'curve-secret', () => {}).publicKey;
  if (argv.serverKey !== undefined && serverKey === undefined) throw new UsageError('--server-key needs --curve-secret: the secret key of tm-run’s master');
  if (argv.serverKey !== undefined && readPublicKey(argv.serverKey, 'server-key') !== serverKey) {
    throw new UsageError(`--server-key ${argv.serverKey} is not the public key of --curve-secret: tm-run's slaves connect to its own master`);
  }
  const ownKeys = serverKey === undefined ? undefined : throwawayKeys(serverKey);
  // The slaves start as soon as the master is bound, and start up while it loads the module and
  // opens the state; a run the state says has finished starts none, unless it yields a job after all.
  let supervisor: Supervisor | undefined;
  const startSlaves = (address: string): Supervisor =>
    (supervisor ??= new Supervisor(
      { target: slaveTarget, count, address, threads: argv.threads, concurrency: argv.concurrency, maxCredit: argv.maxCredit, logLevel: argv.logLevel, cwd: process.cwd(), name: argv.name, slaveArgs: ownKeys?.slaveArgs },
      createLogger('tm-run', argv.logLevel as LogLevel),
    ));
  const start = (): Promise<Master> => Master.start({ ...options, trustedKeys: ownKeys === undefined ? [] : [ownKeys.publicKey], onListening: startSlaves });
  const { master, window: dashboard } = await startWatched(argv, start).catch(async (error: unknown) => {
    // Its master could not start (its one line says why): its slaves go before they say a word.
    supervisor?.stop('SIGKILL');
    await supervisor?.done;
    throw error;
  });
  const warning = insecureWarning(options);
  if (warning !== undefined) process.stderr.write(`tm-run: ${warning}\n`);
  if (supervisor === undefined && (await master.needsSlaves)) startSlaves(master.endpoint);
  const hideProgress = argv.progress ? showProgress(master) : () => {};
  const signals = onStopSignals((signal) => {
    master.stop();
    supervisor?.stop(signal);
  });
  // Slaves that cannot load the module end the run: nothing would ever take a job.
  void supervisor?.done.then((code) => code === 2 && master.stop());
  const summary = await master.done;
  await dashboard?.close();
  // After a finished run the slaves leave on their QUIT, or (those that joined after the last job)
  // on being told the run is over; a signal stops any that linger. So do those of a run that
  // stopped on its own (--limit, --max-failures): its master has nothing left in flight.
  const over = summary.outcome === 'finished' || summary.halt !== undefined;
  if (over) supervisor?.release();
  const linger = setTimeout(() => supervisor?.stop(), over ? SLAVES_LEAVE_MS : 0);
  const slavesCode = (await supervisor?.done) ?? 0;
  clearTimeout(linger);
  signals.dispose();
  hideProgress();
  for (const line of summaryLines(summary)) process.stdout.write(`tm-run: ${line}\n`);
  if (summary.error) process.stderr.write(`tm-run: ${summary.error.message}\n`);
  if (slavesCode === 2 && summary.outcome !== 'finished') return 2;
  return exitCodeOf(summary, signals.signal);
});

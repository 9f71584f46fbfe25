#!/usr/bin/env -S node --max-semi-space-size=16
// A young generation of 16 MB: jobs live in the job table, not as objects, so a scavenge frees
// nearly everything, and fewer of them is a plain win (bench: 0.79 of the floor at 4 MB, 0.86 at
// 16 MB; master peak RSS 142 MB at 1M jobs and 142.5 MB at 10M).
import { checkInteger } from '../common/check-integer.js';
import { commandLine, masterExitCodes } from '../cli/command-line.js';
import { clientCurveFlags, commonFlags, hostsFlags, httpFlags, masterCurveFlags, masterFlags, shipFlags, slaveFlags } from '../cli/flags.js';
import { fleetOptions, HOSTS_DEFAULTS } from '../run/fleet-setup.js';
import { curveKeyPair } from 'zeromq';
import { startWatched } from '../cli/watched-start.js';
import { main, onStopSignals } from '../cli/main.js';
import { insecureWarning, masterOptionsFrom } from '../cli/master-command.js';
import { showProgress } from '../cli/progress-display.js';
import { summaryLines } from '../cli/summary-lines.js';
import { readPublicKey, readSecretKey } from '../curve/keys.js';
import { UsageError } from '../common/errors.js';
import { parseTarget } from '../task/load.js';
import { createLogger, type LogLevel } from '../common/log.js';
import { Master } from '../master/master.js';
import { LocalRun } from '../run/local-run.js';
import type { HttpWindow } from '../master/observe/http/http-window.js';

const SOURCE_FLAG = { type: 'string', requiresArg: true, describe: 'The module whose generator (`getJobs`, or `fn`) the master runs, such as taskmaster-ts/sources/lines; the positional module is then the slaves’ handler' } as const;

main('tm-run', async () => {
  const argv = await commandLine({
    name: 'tm-run',
    usage:
      '$0 module[:fn] N [key=value…]\n$0 --source module[:fn] handler[:fn] N [key=value…]\n\nA master and N slaves on this host in one command: the master runs the generator (`getJobs`, or `fn`), the slaves `handleJob`. With --hosts, N slaves on each host instead, started over ssh, and stopped with the run. With --source, the master runs that module’s generator and the slaves the handler module’s `handleJob` (or `fn`). Takes the flags of tm-master and of tm-slave.',
    flags: { ...commonFlags, ...masterFlags, ...slaveFlags, ...masterCurveFlags, 'server-key': clientCurveFlags['server-key'], source: SOURCE_FLAG, ...shipFlags, ...httpFlags, ...hostsFlags },
    examples: [
      ['$0 examples/squares.ts 4 n=1000000', 'A million jobs through 4 slaves, their threads sharing the CPUs'],
      ['$0 tasks.ts 2 file=huge.csv --state huge.state.json --max-credit 100', 'Slow jobs: each slave holds at most 100, and a rerun resumes from the state'],
      ['$0 --source taskmaster-ts/sources/lines ./handler.ts 2 path=huge.csv', 'A job per line of huge.csv (the built-in source), each run by handler.ts’s handleJob'],
      ['$0 tasks.ts 2 --address tcp://0.0.0.0:3050 --curve-secret master.key --authorized-keys more.pub', 'CURVE: these 2 slaves (keys made for them) and those of more.pub on other hosts'],
      ['$0 tasks.ts 4 --hosts root@10.0.0.2,10.0.0.3:8 --ssh "ssh -F cluster.conf"', 'A fleet: 4 slaves on 10.0.0.2 and 8 on 10.0.0.3, started over ssh; none here (--local adds them)'],
    ],
    exitCodes: masterExitCodes('a usage error (a bad flag, module, export, word or state file), or no slave loads it'),
  })
    .default('address', 'tcp://127.0.0.1:*')
    .demandCommand(2, 'Name a task module and a slave count: tm-run module N [key=value…]')
    .parse();
  const [target, n, ...words] = argv._.map(String) as [string, string, ...string[]];
  const count = checkInteger('N', Number(n), 1, n);
  if (argv.local && argv.hosts === undefined) throw new UsageError('--local needs --hosts: without it every slave runs on this host already');
  // With --source the positional module is the slaves' alone, `fn` and all; without, `fn` is the master's generator.
  // With --hosts the master binds every interface, unless --address says where, and ships the slaves' handler, unless --no-ship.
  const given = (flag: string): boolean => process.argv.slice(2).some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  const wildcard = argv.hosts !== undefined && !given('--address');
  const ship = argv.ship || (argv.hosts !== undefined && !given('--no-ship') && !given('--ship'));
  const master = masterOptionsFrom({ ...argv, ship, address: wildcard ? HOSTS_DEFAULTS.address : argv.address }, [argv.source ?? target, ...words]);
  const slaveTarget = argv.source === undefined ? parseTarget(target).module : target;
  // What --ship sends is the slaves' handler, not the master's module; with --hosts and no --curve-secret, the master's key pair is made for this run and kept in memory.
  const options = { ...master, ship: master.ship && { ...master.ship, ...parseTarget(slaveTarget) }, ...(argv.hosts !== undefined && master.curveSecret === undefined ? { curveKeys: curveKeyPair() } : {}) };
  const slaves = { target: slaveTarget, count, threads: argv.threads, concurrency: argv.concurrency, maxCredit: argv.maxCredit, logLevel: argv.logLevel, name: argv.name };
  // Shipped, the hosts run the master's bundle: module-less slaves (tm-spawn N).
  const hosts = argv.hosts === undefined ? undefined : fleetOptions(argv as typeof argv & { hosts: string }, { ...slaves, target: options.ship === undefined ? slaveTarget : undefined });
  // With CURVE, its own slaves get a key pair made for them (LocalRun), and connect to its own master.
  const serverKey = options.curveSecret === undefined ? undefined : readSecretKey(options.curveSecret, 'curve-secret', () => {}).publicKey;
  if (argv.serverKey !== undefined && serverKey === undefined) throw new UsageError('--server-key needs --curve-secret: the secret key of tm-run’s master');
  if (argv.serverKey !== undefined && readPublicKey(argv.serverKey, 'server-key') !== serverKey) {
    throw new UsageError(`--server-key ${argv.serverKey} is not the public key of --curve-secret: tm-run's slaves connect to its own master`);
  }
  const logger = createLogger('tm-run', argv.logLevel as LogLevel);
  let dashboard: HttpWindow | undefined;
  const local = new LocalRun({
    master: options,
    slaves: { ...slaves, count: hosts === undefined || argv.local ? count : 0, cwd: process.cwd() },
    hosts,
    logger,
    startMaster: (withSlaves) => startWatched(argv, () => Master.start(withSlaves)).then(({ master, window }) => ((dashboard = window), master)),
  });
  const signals = onStopSignals((signal) => local.stop(signal));
  try {
    const master = await local.started;
    const warning = insecureWarning(options);
    if (warning !== undefined) process.stderr.write(`tm-run: ${warning}\n`);
    const hideProgress = argv.progress ? showProgress(master) : () => {};
    const summary = await local.done;
    await dashboard?.close();
    hideProgress();
    for (const line of summaryLines(summary)) process.stdout.write(`tm-run: ${line}\n`);
    return summary.exitCode;
  } finally {
    signals.dispose();
  }
});

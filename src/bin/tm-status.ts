#!/usr/bin/env node
import { relative } from 'node:path';
import { checkEndpoint } from '../common/check-endpoint.js';
import { UsageError } from '../common/errors.js';
import { commandLine } from '../cli/command-line.js';
import { clientCurveFlags, integer } from '../cli/flags.js';
import { main, onStopSignals } from '../cli/main.js';
import { NO_ANSWER, statusCommand, type StatusTarget } from '../cli/status-command.js';
import { clientCurve } from '../curve/curve-config.js';
import { SUMMARY_PAST } from '../master/observe/slave-summary.js';
import { STATUS_DEFAULTS } from '../status/status-client.js';
import { findRuns, STATE_DIR } from '../status/find-runs.js';

main('tm-status', async () => {
  const argv = await commandLine({
    name: 'tm-status',
    usage:
      `$0 [--address … | --state FILE] [--json] [--watch] [--all-slaves]\n\nAsks a running master how its run goes, over its own endpoint: the run, its totals, and one row per slave (past ${SUMMARY_PAST} slaves, a row per host and the slaves that need attention). With no --address it asks every run under ./${STATE_DIR} (each master writes its endpoint beside its state while it runs), or the run of --state; with none there, the master on ${STATUS_DEFAULTS.address}. With CURVE it needs an authorized key, as a slave does.`,
    flags: {
      address: { type: 'string', describe: `ZeroMQ endpoint of the master (default: the runs under ./${STATE_DIR}, else ${STATUS_DEFAULTS.address})` },
      state: { type: 'string', requiresArg: true, describe: 'Ask the master running this state file (it writes FILE.endpoint while it runs)' },
      json: { type: 'boolean', default: false, describe: 'One JSON object (a line) instead of the table' },
      watch: { type: 'boolean', default: false, describe: 'Ask again and redraw every second, until Ctrl-C' },
      'all-slaves': { type: 'boolean', default: false, describe: `A row per slave even past ${SUMMARY_PAST} (--json has them all)` },
      timeout: integer('timeout', 1, STATUS_DEFAULTS.timeout, 'Milliseconds to wait for the master’s answer'),
      ...clientCurveFlags,
    },
    examples: [
      ['$0', `Every run under ./${STATE_DIR}, as tables (or the master on ${STATUS_DEFAULTS.address})`],
      ['$0 --state big.state.json', 'The run that keeps big.state.json'],
      ['$0 --address tcp://10.0.0.5:3050 --curve-secret ops.key --server-key master.pub --watch', 'Watch a CURVE master on another host (ops.pub must be in its --authorized-keys)'],
      ['$0 --json | jq .totals', 'The totals, for a script'],
    ],
    exitCodes: ['Exit codes:', '  0    the master answered (with --watch: stopped by Ctrl-C)', '  2    a usage error', `  ${NO_ANSWER}    no master answered within --timeout, or it refused our key`].join('\n'),
  })
    .demandCommand(0, 0, '', 'tm-status takes no words: name the master with --address, or its run with --state')
    .parse();
  if (argv.address !== undefined && argv.state !== undefined) throw new UsageError('--address and --state name the master twice: pass one');
  if (argv.address !== undefined) checkEndpoint(argv.address, 'connect');
  const curve = clientCurve(argv, (message) => process.stderr.write(`tm-status: ${message}\n`));
  const { targets, hint } = statusTargets(argv.address, argv.state, curve !== undefined);
  const stop = new AbortController();
  const signals = onStopSignals(() => stop.abort());
  const code = await statusCommand({ targets, hint, timeoutMs: argv.timeout, curve, json: argv.json, watch: argv.watch, allSlaves: argv['all-slaves'], signal: stop.signal, out: process.stdout });
  signals.dispose();
  return code;
});

/** Whom to ask: the master of `--address`; else the runs found under .taskmaster (or of `--state`); else the default address. */
function statusTargets(address: string | undefined, state: string | undefined, withKeys: boolean): { targets: StatusTarget[]; hint?: string } {
  if (address !== undefined) return { targets: [{ address }] };
  const runs = findRuns(process.cwd(), state);
  if (runs.length === 0 && state !== undefined) return { targets: [{ address: '', skip: `no master is running state file ${state}: there is no ${state}.endpoint, which a master writes beside its state while it runs` }] };
  if (runs.length === 0) return { targets: [{ address: STATUS_DEFAULTS.address }], hint: `; and no run under ./${STATE_DIR} wrote its endpoint there (pass --address, or --state)` };
  const targets = runs.map(({ record, gone }) => ({
    address: record.address,
    label: `run ${relative(process.cwd(), record.state) || record.state} (pid ${record.pid} on ${record.host}, ${record.address})`,
    state: record.state,
    skip: gone ?? (record.curve && !withKeys ? `it uses CURVE: pass --curve-secret (a key it authorizes) and --server-key (${record.serverKey ?? 'its public key'})` : undefined),
  }));
  return { targets };
}

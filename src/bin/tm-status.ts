#!/usr/bin/env node
import { checkEndpoint } from '../common/check-endpoint.js';
import { commandLine } from '../cli/command-line.js';
import { clientCurveFlags, integer } from '../cli/flags.js';
import { main, onStopSignals } from '../cli/main.js';
import { NO_ANSWER, statusCommand } from '../cli/status-command.js';
import { clientCurve } from '../curve/curve-config.js';
import { STATUS_DEFAULTS } from '../status/status-client.js';

main('tm-status', async () => {
  const argv = await commandLine({
    name: 'tm-status',
    usage:
      '$0 [--address …] [--json] [--watch]\n\nAsks a running master how its run goes, over its own endpoint: the run, its totals, and one row per slave. With CURVE it needs an authorized key, as a slave does.',
    flags: {
      address: { type: 'string', default: STATUS_DEFAULTS.address, describe: 'ZeroMQ endpoint of the master' },
      json: { type: 'boolean', default: false, describe: 'One JSON object (a line) instead of the table' },
      watch: { type: 'boolean', default: false, describe: 'Ask again and redraw every second, until Ctrl-C' },
      timeout: integer('timeout', 1, STATUS_DEFAULTS.timeout, 'Milliseconds to wait for the master’s answer'),
      ...clientCurveFlags,
    },
    examples: [
      ['$0', 'The run of the master on tcp://127.0.0.1:3050, as a table'],
      ['$0 --address tcp://10.0.0.5:3050 --curve-secret ops.key --server-key master.pub --watch', 'Watch a CURVE master on another host (ops.pub must be in its --authorized-keys)'],
      ['$0 --json | jq .totals', 'The totals, for a script'],
    ],
    exitCodes: ['Exit codes:', '  0    the master answered (with --watch: stopped by Ctrl-C)', '  2    a usage error', `  ${NO_ANSWER}    no master answered within --timeout, or it refused our key`].join('\n'),
  })
    .demandCommand(0, 0, '', 'tm-status takes no words: name the master with --address')
    .parse();
  checkEndpoint(argv.address, 'connect');
  const curve = clientCurve(argv, (message) => process.stderr.write(`tm-status: ${message}\n`));
  const stop = new AbortController();
  const signals = onStopSignals(() => stop.abort());
  const code = await statusCommand({ address: argv.address, timeoutMs: argv.timeout, curve, json: argv.json, watch: argv.watch, signal: stop.signal, out: process.stdout });
  signals.dispose();
  return code;
});

#!/usr/bin/env node
import { commandLine } from '../cli/command-line.js';
import { main } from '../cli/main.js';
import { checkCurveCapability } from '../curve/curve-config.js';
import { DEFAULT_KEY_NAME, writeKeyPair } from '../curve/keys.js';

main('tm-keygen', async () => {
  const argv = await commandLine({
    name: 'tm-keygen',
    usage:
      '$0 [--out NAME]\n\nWrites a CURVE key pair: NAME.key, the secret (mode 0600: it stays on this host), and NAME.pub, the public key as one line of an authorized-keys file. A master gives its NAME.pub to its slaves (--server-key); a slave’s NAME.pub goes into the master’s --authorized-keys.',
    flags: { out: { type: 'string', default: DEFAULT_KEY_NAME, requiresArg: true, describe: 'Path and name of the two files, without .key or .pub' } },
    examples: [
      ['$0 --out master', 'master.key for tm-master --curve-secret, master.pub for the slaves’ --server-key'],
      ['$0 --out slave-a && cat slave-a.pub >> authorized_keys', 'A slave’s pair, and its public key added to the list a master admits'],
    ],
    exitCodes: ['Exit codes:', '  0    both files written', '  2    a usage error, or NAME.key or NAME.pub exists already (nothing is overwritten)'].join('\n'),
  })
    .demandCommand(0, 0, '', 'tm-keygen takes no words: name the files with --out NAME')
    .parse();
  checkCurveCapability();
  const { secretFile, publicFile, publicKey } = writeKeyPair(argv.out);
  process.stdout.write(`tm-keygen: wrote ${secretFile} (the secret key: keep it on this host) and ${publicFile} (the public key ${publicKey})\n`);
  return 0;
});

/** `--http` for tm-master and tm-run: the window is opened before the master starts, and watches it once it has. */
import { UsageError } from '../common/errors.js';
import { createLogger, type LogLevel } from '../common/log.js';
import { HttpWindow } from '../master/observe/http/http-window.js';
import type { Master } from '../master/master.js';

export interface HttpArgv {
  http?: string | undefined;
  httpTokenFile?: string | undefined;
  lease: number;
  logLevel: string;
}

/**
 * Starts the master with `start`, behind the window `--http` asks for: a bad or busy address
 * fails before the master touches its state, and a master that fails to start closes the window.
 */
export async function startWatched(argv: HttpArgv, start: () => Promise<Master>): Promise<{ master: Master; window: HttpWindow | undefined }> {
  if (argv.http === undefined && argv.httpTokenFile !== undefined) throw new UsageError('--http-token-file needs --http: the token is for the dashboard');
  const logger = createLogger('http', argv.logLevel as LogLevel);
  const window = argv.http === undefined ? undefined : await HttpWindow.open({ address: argv.http, tokenFile: argv.httpTokenFile, lease: argv.lease, logger });
  try {
    const master = await start();
    window?.watch(master);
    return { master, window };
  } catch (error) {
    await window?.close();
    throw error;
  }
}

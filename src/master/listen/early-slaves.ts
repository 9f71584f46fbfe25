import { readFileSync } from 'node:fs';
import type { ServerCurve } from '../../curve/curve-config.js';
import type { Logger } from '../../common/log.js';
import { listen, type Listener } from './listener.js';
import type { ResolvedMasterOptions } from '../master-options.js';

/**
 * Binds the socket, before anything slow: slaves started at its endpoint (`onListening`) start up
 * while the master loads the module and opens the state at `statePath`.
 */
export async function listenFirst(options: ResolvedMasterOptions, statePath: string, curve: ServerCurve | undefined, logger: Logger): Promise<Listener> {
  const listener = await listen(options.address, curve, logger);
  if (options.onListening !== undefined && slavesWantedEarly(options, statePath)) options.onListening(listener.socket.lastEndpoint ?? options.address);
  return listener;
}

/**
 * Whether a master may call `onListening` (and so have slaves started) as soon as it is bound,
 * while it still loads the module and opens the state: yes, unless the state file says the run
 * finished, or it is a `--retry-failed` run, which may find nothing to retry. Read without the
 * lock and unchecked, so only a hint: `needsSlaves` says what the state, opened, says.
 */
export function slavesWantedEarly(options: ResolvedMasterOptions, statePath: string): boolean {
  if (options.retryFailed) return false;
  if (options.reset) return true;
  try {
    return (JSON.parse(readFileSync(statePath, 'utf8')) as { finished?: unknown }).finished !== true;
  } catch {
    // No state (or one that opening it will refuse): the run starts, or fails, either way without a finished state.
    return true;
  }
}

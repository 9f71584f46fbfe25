import { JobPool } from './pool.js';
import { resolveSlaveOptions, slavePoolOptions, type SlaveOptions } from './slave-options.js';
import type { Slave } from './slave.js';

/**
 * Starts a slave as tm-slave does: its threads first, then the rest of it (ZeroMQ, msgpack, the
 * connection) loaded while they start and load the task module, so the two overlap. With CURVE,
 * whose key files are checked before any thread starts, or with no module (the master's code is
 * fetched first), it is `Slave.start` as it is. `signal` aborts the wait for a master's code.
 */
export async function startSlave(options: SlaveOptions, signal?: AbortSignal): Promise<Slave> {
  const curve = options.curveSecret !== undefined || options.serverKey !== undefined;
  const { module } = options;
  const pool = curve || module === undefined ? undefined : JobPool.start(slavePoolOptions({ ...resolveSlaveOptions(options), module }));
  // Awaited by Slave.start; until then a load failure must not count as unhandled.
  pool?.catch(() => {});
  try {
    const { Slave } = await import('./slave.js');
    return await Slave.start(options, pool, signal);
  } catch (error) {
    await (await pool?.catch(() => undefined))?.destroy();
    throw error;
  }
}

/**
 * What code a slave runs, and the hash it says in HELLO: the handler its master ships (fetched,
 * checked, written out: a slave started with no module), or its own module's, bundled as the
 * master bundles it so that skew is caught at HELLO.
 */
import { UsageError } from '../common/errors.js';
import { isLocalOnly } from '../common/check-endpoint.js';
import type { Logger } from '../common/log.js';
import type { ClientCurve } from '../curve/curve-config.js';
import { bundleModule } from '../ship/bundle.js';
import { writeCode, type CodeDir } from './code-dir.js';
import { fetchCode } from './fetch-code.js';
import type { JobPool } from './pool.js';
import { checkSlaveOptions, type ResolvedSlaveOptions } from './slave-options.js';

/** A slave's options with the module it runs, its own or the file of the code shipped to it. */
export type RunningOptions = ResolvedSlaveOptions & { readonly module: string };

/** What a slave runs, started: its pool, and the hash its HELLO says. */
export interface SlaveCode {
  readonly options: RunningOptions;
  readonly pool: JobPool;
  readonly bundle: string | undefined;
  /** The code the master shipped, written out (a slave with no module): to remove as the slave ends. */
  readonly dir: CodeDir | undefined;
}

/**
 * Starts what a slave runs: with no module, the master's code first fetched (receiveCode); then
 * its pool (`startPool`) while the bundle's hash is made, so that HELLO waits for neither alone.
 */
export async function startCode(options: ResolvedSlaveOptions, curve: ClientCurve | undefined, logger: Logger, startPool: (options: RunningOptions) => Promise<JobPool>, signal?: AbortSignal): Promise<SlaveCode> {
  checkSlaveOptions(options);
  const { module } = options;
  const dir = module === undefined ? await receiveCode(options, curve, logger, signal) : undefined;
  try {
    // With no code fetched, the slave has a module of its own.
    const running = dir === undefined ? { ...options, module: module as string } : { ...options, module: dir.file, fn: dir.fn, bundleHash: dir.sha256 };
    const [pool, bundle] = await Promise.all([startPool(running), ownBundleHash(running, logger)]);
    return { options: running, pool, bundle, dir };
  } catch (error) {
    dir?.remove();
    throw error;
  }
}

/**
 * Fetches the master's handler and writes it out. Only over CURVE to the server key the slave
 * pinned, or from this host: shipped code runs with the slave's rights, and a master reached
 * without CURVE could be anyone. Nothing is sent to a master refused so.
 */
async function receiveCode(options: ResolvedSlaveOptions, curve: ClientCurve | undefined, logger: Logger, signal?: AbortSignal): Promise<CodeDir> {
  const { address, cwd, giveUpAfter } = options;
  if (curve === undefined && !isLocalOnly(address)) {
    throw new UsageError(
      `refusing to run code from ${address}: a master reached without CURVE could be anyone, and shipped code runs with this slave's rights; pass --server-key (with --curve-secret), or start the slave with its own module`,
    );
  }
  const code = await fetchCode({ address, curve, logger, giveUpAfter, signal });
  const dir = writeCode(code, cwd, address);
  logger.info(`running the code the master shipped (${code.bundle.length} bytes, sha256 ${code.sha256.slice(0, 12)}), its \`${code.fn}\``);
  return dir;
}

/**
 * The sha256 a slave with its own module says in HELLO: `bundleHash` when given (false: none, as
 * for tm-run's own slaves, which load the master's very file), else its module's bundle's. A
 * module esbuild cannot bundle (the slave may still load it) is said once, and sends none.
 */
async function ownBundleHash(options: ResolvedSlaveOptions, logger: Logger): Promise<string | undefined> {
  const { bundleHash, module } = options;
  if (bundleHash !== undefined || module === undefined) return bundleHash === false ? undefined : bundleHash;
  try {
    return (await bundleModule(module, { cwd: options.cwd, external: options.shipExternal })).sha256;
  } catch (error) {
    logger.warn(`cannot hash this slave's code, so a master that ships other code cannot tell: ${(error as Error).message}`);
    return undefined;
  }
}

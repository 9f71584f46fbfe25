/** The code a master ships (`--ship`): bundled as it starts, said in one line, served by dispatch/shipping.ts. */
import type { Logger } from '../../common/log.js';
import { UsageError } from '../../common/errors.js';
import { isLocalOnly } from '../../common/check-endpoint.js';
import { MAX_MESSAGE_SIZE } from '../../protocol/messages.js';
import { bundleModule } from '../../ship/bundle.js';
import { Shipping, shortHash } from '../dispatch/shipping.js';
import type { ResolvedMasterOptions } from '../master-options.js';

/** Room in a CODE message for its other fields. */
const CODE_OVERHEAD = 64 * 1024;

/**
 * Bundles the handler of `options.ship` (a usage error when it cannot be bundled or is too big to
 * travel) and returns what answers FETCH; with no `ship`, a Shipping that refuses every FETCH.
 * Whoever reaches the socket may have the code when `curve` is on (only admitted keys get past
 * ZAP) or the bind is loopback only; on any other bind (`--insecure`) no one may.
 */
export async function prepareShipping(options: ResolvedMasterOptions, curve: boolean, logger: Logger): Promise<Shipping> {
  const { ship, allowSkew } = options;
  const trusted = curve || isLocalOnly(options.address);
  if (ship === undefined) return new Shipping({ shipped: undefined, trusted, allowSkew, logger });
  const bundle = await bundleModule(ship.module, { cwd: options.cwd, external: ship.external ?? [] });
  if (bundle.code.length > MAX_MESSAGE_SIZE - CODE_OVERHEAD) {
    throw new UsageError(`cannot ship \`${ship.module}\`: its bundle is ${bundle.code.length} bytes, more than a message may carry (${MAX_MESSAGE_SIZE - CODE_OVERHEAD}); pass its biggest packages to --ship-external`);
  }
  const externals = bundle.externals.length === 0 ? '' : `; left to each slave's host: ${bundle.externals.join(', ')}`;
  logger.info(`shipping ${ship.module} (${kilobytes(bundle.code.length)}, sha256 ${shortHash(bundle.sha256)})${externals}`);
  if (!trusted) logger.warn(`--ship without CURVE on ${options.address}: slaves on other hosts refuse code from this master (anyone could pose as it); use --curve-secret`);
  return new Shipping({ shipped: { code: bundle.code, sha256: bundle.sha256, fn: ship.fn ?? 'handleJob' }, trusted, allowSkew, logger });
}

function kilobytes(bytes: number): string {
  const kb = bytes / 1000;
  return `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} kB`;
}

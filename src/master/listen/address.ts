import { checkEndpoint, isLocalOnly } from '../../common/check-endpoint.js';
import { UsageError } from '../../common/errors.js';

export { isLocalOnly };

/**
 * Checks a master's bind address, and refuses one beyond this host without CURVE (`secure`)
 * unless told to (DESIGN.md §6): jobs and results would travel unencrypted, to anyone.
 */
export function checkBindAddress(address: string, insecure: boolean, secure = false): void {
  checkEndpoint(address, 'bind');
  if (secure || insecure || isLocalOnly(address)) return;
  throw new UsageError(
    `refusing to bind ${address} without CURVE: anyone who reaches it could take jobs and report fake results, and jobs would travel unencrypted; pass --curve-secret and --authorized-keys (see tm-keygen), use a loopback address, or pass --insecure on a trusted network`,
  );
}

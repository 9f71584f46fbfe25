import { checkEndpoint } from '../check.js';
import { UsageError } from '../errors.js';

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\]|::1)$/i;

/**
 * Checks a master's bind address, and refuses one beyond this host unless told to (DESIGN.md §6):
 * jobs and results travel unencrypted.
 */
export function checkBindAddress(address: string, insecure: boolean): void {
  checkEndpoint(address, 'bind');
  if (insecure || isLocalOnly(address)) return;
  throw new UsageError(
    `refusing to bind ${address}: a non-loopback address is refused unless --insecure is passed, as jobs travel unencrypted; use a loopback address, or pass --insecure on a trusted network`,
  );
}

/** Whether a (checked) bind address can be reached from this host only: a loopback tcp host, ipc or inproc. */
export function isLocalOnly(address: string): boolean {
  const match = /^tcp:\/\/(.+):(\d+|\*)$/.exec(address);
  return match === null || LOOPBACK.test(match[1]!);
}

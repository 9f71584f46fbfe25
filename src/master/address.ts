import { UsageError } from '../errors.js';

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\]|::1)$/i;

/** Refuses to expose an unencrypted master beyond this host unless told to (DESIGN.md §6). */
export function checkBindAddress(address: string, insecure: boolean): void {
  const match = /^(tcp|ipc|inproc):\/\/(.+)$/.exec(address);
  if (match === null) throw new UsageError(`Expected \`--address\` to look like tcp://host:port, got \`${address}\``);
  if (match[1] !== 'tcp' || insecure) return;
  const host = match[2]!.replace(/:(\d+|\*)$/, '');
  if (!LOOPBACK.test(host)) {
    throw new UsageError(
      `refusing to bind ${address} without encryption: jobs would be open to anyone who can reach it; use a loopback address or pass --insecure on a trusted network`,
    );
  }
}

/** Finding processes a test left behind, from /proc (Linux): the check that nothing is orphaned. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A live process, for a readable failure message. */
export interface Stray {
  readonly pid: number;
  readonly cmdline: string;
}

/**
 * Every live process (but this one and `except`) that runs in `dir` or names it on its command
 * line: what a test that ran everything in its own temp dir must not leave behind.
 */
export function processesIn(dir: string, except: readonly number[] = []): Stray[] {
  const strays: Stray[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || except.includes(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`) || cmdline.includes(dir)) strays.push({ pid, cmdline });
    } catch {
      // Gone meanwhile, a zombie, or not ours to read.
    }
  }
  return strays;
}

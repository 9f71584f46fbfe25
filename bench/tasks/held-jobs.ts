/**
 * The generator of the fleet bench's tasks: yields 0 … n-1 (resuming at `last`), but only once
 * the file `go` exists, so a run's jobs start when every host has joined and the window the
 * bench times holds them all. Without `go` it starts at once.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export async function* heldJobs(last: number, args: Record<string, string>): AsyncGenerator<number> {
  if (args.go !== undefined) while (!existsSync(args.go)) await sleep(5);
  const n = Number(args.n ?? 1_000_000);
  for (let i = last; i < n; i++) yield i;
}

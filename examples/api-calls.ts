/**
 * One API call per user id: the kind of run that needs --rate and --max-failures. The "API" here
 * is a 2 ms timer that answers HTTP 500 for every `broken`-th id (none unless told).
 *
 *   npx tm-run examples/api-calls.ts 4 n=2000 --rate 500/s --max-failures 1%
 */
import { setTimeout as delay } from 'node:timers/promises';

interface Call {
  readonly id: number;
  readonly broken: boolean;
}

export async function* getJobs(last = 0, args: Record<string, string> = {}): AsyncGenerator<Call> {
  const n = Number(args.n ?? 1000);
  const every = Number(args.broken ?? 0);
  for (let id = last; id < n; id++) yield { id, broken: every > 0 && id % every === 0 };
}

/** Must be idempotent, as every handler: a PUT, not a POST. */
export async function handleJob({ id, broken }: Call): Promise<{ id: number; status: number }> {
  await delay(2);
  if (broken) throw new Error(`PUT /users/${id}: HTTP 500`);
  return { id, status: 200 };
}

export function countJobs(args: Record<string, string> = {}): number {
  return Number(args.n ?? 1000);
}

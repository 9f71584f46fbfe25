/** A job's channel output as the master holds it between its DONE and the channel files. */
import type { WireError } from '../../protocol/messages.js';


/** The `[name, data]` pairs a job sent to its channels (names checked on arrival), told apart from any result by its class. */
export class ChannelOutput {
  readonly pairs: ReadonlyArray<readonly [string, unknown]>;
  constructor(pairs: ReadonlyArray<readonly [string, unknown]>) {
    this.pairs = pairs;
  }
}

/** Why channel output cannot be written by a master without `--channels`. */
export function nowhereToGo(output: ChannelOutput): string {
  return `the handler returned channel output (channel ${output.pairs[0]?.[0] ?? '?'}), but the master has no --channels DIR to write it to`;
}

/** For a master with no output files: the error of each job that sent channel output, by index (never dropped in silence). */
export function refuseChannelOutput(results: readonly unknown[] | undefined): Array<WireError | undefined> | undefined {
  if (results?.some((result) => result instanceof ChannelOutput) !== true) return undefined;
  return results.map((result) => (result instanceof ChannelOutput ? { message: nowhereToGo(result), name: 'ChannelOutputError' } : undefined));
}

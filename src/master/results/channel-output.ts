/** A job's channel output as the master holds it between its DONE and the channel files. */

/** The `[name, data]` pairs a job sent to its channels (names checked on arrival), told apart from any result by its class. */
export class ChannelOutput {
  readonly pairs: ReadonlyArray<readonly [string, unknown]>;
  constructor(pairs: ReadonlyArray<readonly [string, unknown]>) {
    this.pairs = pairs;
  }
}

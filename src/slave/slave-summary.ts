/** How a slave's run ended, as `Slave.done` resolves it. */
export interface SlaveSummary {
  /** `quit`: the master (or the supervisor) said the run is over; `gave-up`: no master welcomed it for `giveUpAfter` ms. */
  readonly reason: 'quit' | 'stopped' | 'rejected' | 'gave-up';
  readonly done: number;
  readonly failed: number;
}

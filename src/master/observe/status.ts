/** What a master answers to STATUS about its run (the dispatcher adds the run id and the slaves). */
import type { StatusReport } from '../../protocol/messages.js';
import type { RunStatus } from '../dispatch/dispatcher.js';
import type { Ledger } from '../state/ledger.js';
import type { ResolvedMasterOptions } from '../master-options.js';
import type { ProgressSnapshot } from './progress.js';

/** A report's fields as `tm-status --json` prints them and `/status.json` serves them: all but the command. */
export type StatusFields = Omit<StatusReport, 'command'>;

export function statusFields(report: StatusReport): StatusFields {
  const { command: _command, ...fields } = report;
  return fields;
}

/** The run as `tm-status` shows it: what runs, from which state, and the totals of `snap`. */
export function runStatus(options: ResolvedMasterOptions, state: string, snap: ProgressSnapshot, ledger: Ledger, stopping: boolean): RunStatus {
  return {
    module: options.module,
    fn: options.fn,
    args: options.args,
    state,
    startedAt: Date.now() - snap.elapsedMs,
    stopping,
    retryFailed: options.retryFailed,
    lease: options.lease,
    totals: {
      done: snap.finished - snap.failed,
      failed: snap.failed,
      total: snap.total ?? null,
      inFlight: snap.inFlight,
      buffered: snap.buffered,
      size: snap.size,
      retrying: snap.retrying,
      watermark: ledger.watermark,
      rate: snap.rate,
      etaSeconds: snap.etaSeconds ?? null,
      elapsedMs: snap.elapsedMs,
    },
  };
}

/** tm-status's behaviour: one answer printed (a table, or JSON), or `--watch`'s redraw every second. */
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientCurve } from '../curve/curve-config.js';
import { statusFields } from '../master/observe/status.js';
import type { StatusReport } from '../protocol/messages.js';
import { queryStatus } from '../status/status-client.js';
import { statusTable } from '../status/status-table.js';

export interface StatusCommand {
  readonly address: string;
  readonly timeoutMs: number;
  readonly curve: ClientCurve | undefined;
  readonly json: boolean;
  readonly watch: boolean;
  /** Ends `--watch` (Ctrl-C). */
  readonly signal: AbortSignal;
  readonly out: NodeJS.WriteStream;
}

/** Exit code when no master answers. */
export const NO_ANSWER = 3;
const WATCH_EVERY_MS = 1000;

/** Prints the report as `--json` (one line) or a table. */
function render(report: StatusReport, json: boolean): string {
  return json ? JSON.stringify(statusFields(report)) : statusTable(report);
}

/** Runs tm-status; resolves with the exit code. A missing first answer is said on stderr as one line. */
export async function statusCommand(command: StatusCommand): Promise<number> {
  const { address, timeoutMs, curve, json, watch, signal, out } = command;
  const redraw = watch && !json && out.isTTY === true;
  let answered = false;
  do {
    const answer = await queryStatus({ address, timeoutMs, curve });
    if (!answer.ok && !answered) {
      process.stderr.write(`tm-status: ${answer.reason}\n`);
      return NO_ANSWER;
    }
    answered = true;
    // In --watch, a master that stops answering (its run ended, its host is away) is said where the table was.
    const text = answer.ok ? render(answer.report, json) : json ? JSON.stringify({ error: answer.reason }) : `${new Date().toISOString()}: ${answer.reason}; still asking`;
    out.write(redraw ? `\x1b[H\x1b[J${text}\n` : `${text}\n${watch && !json ? '\n' : ''}`);
    if (watch) await delay(WATCH_EVERY_MS, undefined, { signal }).catch(() => undefined);
  } while (watch && !signal.aborted);
  return 0;
}

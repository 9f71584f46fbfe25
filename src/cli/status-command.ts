/** tm-status's behaviour: one answer printed (a table, or JSON), or `--watch`'s redraw every second. */
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientCurve } from '../curve/curve-config.js';
import { statusFields } from '../master/observe/status.js';
import { queryStatus, type StatusAnswer } from '../status/status-client.js';
import { statusTable } from '../status/status-table.js';

/** A master to ask: its address, and for a run found by its endpoint file, which run it is. */
export interface StatusTarget {
  readonly address: string;
  /** The line above its table (`run … (pid …)`), for runs found rather than named. */
  readonly label?: string;
  /** With JSON: the state file it keeps, as the `state` field. */
  readonly state?: string;
  /** Why it is not asked (its master is gone, or it needs keys we lack): said in its place. */
  readonly skip?: string;
}

export interface StatusCommand {
  readonly targets: readonly StatusTarget[];
  readonly timeoutMs: number;
  readonly curve: ClientCurve | undefined;
  readonly json: boolean;
  readonly watch: boolean;
  /** A row per slave even past SUMMARY_PAST (`--all-slaves`). */
  readonly allSlaves?: boolean;
  /** Said after a first answer that did not come, when it helps (where tm-status looked for runs). */
  readonly hint?: string;
  /** Ends `--watch` (Ctrl-C). */
  readonly signal: AbortSignal;
  readonly out: NodeJS.WriteStream;
}

/** Exit code when no master answers. */
export const NO_ANSWER = 3;
const WATCH_EVERY_MS = 1000;

/** One target's text: its label line, then the table, the JSON line or why there is none. */
function render(target: StatusTarget, answer: StatusAnswer, { json, allSlaves }: StatusCommand): string {
  if (json) {
    const fields = answer.ok ? statusFields(answer.report) : { error: answer.reason };
    return JSON.stringify(target.state === undefined ? fields : { state: target.state, ...fields });
  }
  const body = answer.ok ? statusTable(answer.report, Date.now(), { allSlaves }) : `${new Date().toISOString()}: ${answer.reason}`;
  return target.label === undefined ? body : `${target.label}\n${body}`;
}

async function ask(target: StatusTarget, command: StatusCommand): Promise<StatusAnswer> {
  if (target.skip !== undefined) return { ok: false, reason: target.skip };
  return queryStatus({ address: target.address, timeoutMs: command.timeoutMs, curve: command.curve });
}

/**
 * Runs tm-status; resolves with the exit code. With one target, a missing first answer is said
 * on stderr as one line (exit 3); with several (runs found under .taskmaster), each is shown,
 * answered or not, and the exit code is 3 only when none answered.
 */
export async function statusCommand(command: StatusCommand): Promise<number> {
  const { targets, json, watch, signal, out } = command;
  const redraw = watch && !json && out.isTTY === true;
  let answered = false;
  do {
    const answers = await Promise.all(targets.map((target) => ask(target, command)));
    if (!answered && !answers.some((answer) => answer.ok)) {
      for (const [i, answer] of answers.entries()) process.stderr.write(`tm-status: ${targets[i]!.label === undefined ? '' : `${targets[i]!.label}: `}${answer.ok ? '' : answer.reason}${command.hint ?? ''}\n`);
      return NO_ANSWER;
    }
    answered = true;
    // In --watch, a master that stops answering (its run ended, its host is away) is said where its table was.
    const text = targets
      .map((target, i) => {
        const answer = answers[i]!;
        return !answer.ok && !json && targets.length === 1 && target.label === undefined ? `${new Date().toISOString()}: ${answer.reason}; still asking` : render(target, answer, command);
      })
      .join(json ? '\n' : '\n\n');
    out.write(redraw ? `\x1b[H\x1b[J${text}\n` : `${text}\n${watch && !json ? '\n' : ''}`);
    if (watch) await delay(WATCH_EVERY_MS, undefined, { signal }).catch(() => undefined);
  } while (watch && !signal.aborted);
  return 0;
}

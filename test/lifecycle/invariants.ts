/**
 * The invariants of issue 18, judged on what a played scenario left (driver.ts's RunOutcome):
 * pure, so a fabricated outcome can show that each one can fail (invariants.test.ts).
 *
 * - finished ⇔ the generator ended without error and every yielded seq is done or dead-lettered;
 * - exit 0 ⇔ finished with no dead letter, or `--limit` reached with every taken job done;
 * - a generator failure or a job (or cursor) that cannot travel ⇒ exit 1, not finished, the
 *   reason printed exactly once;
 * - no handler runs for a job the state had recorded finished when its incarnation started, and
 *   each runs the job its seq names;
 * - every process stops within 10 s of SIGTERM/SIGINT, none is left behind (driver.ts notes those);
 * - the run ends once its failures are fixed, and a job counted done has run.
 */
import type { Incarnation, RunOutcome } from './driver.js';
import { firstFailure, mayDeadLetter, type FailurePoint, type TaskModel } from './model.js';
import { failureToken } from './module-source.js';

/** One broken invariant: which, in which incarnation, and what was seen. */
export interface Violation {
  readonly invariant: 'finished' | 'exit-code' | 'failure' | 'reran' | 'processes' | 'ended' | 'state';
  readonly incarnation?: number;
  readonly detail: string;
}

/** Lines of `output` that give the reason of failure point `f`. */
export function reasonLines(output: string, f: FailurePoint): number {
  const seq = new RegExp(`\\bseq ${f.seq}\\b`);
  const token = failureToken(f.seq);
  return output.split('\n').filter((line) => (f.kind === 'throw' ? line.includes(token) : seq.test(line) && /travel|cursor/i.test(line))).length;
}

/** Every invariant `outcome` breaks. */
export function checkRun(outcome: RunOutcome): Violation[] {
  const { task, timeline } = outcome.scenario;
  const out: Violation[] = [];
  for (const inc of outcome.incarnations) {
    out.push(...inc.problems.map((detail) => ({ invariant: 'processes' as const, incarnation: inc.number, detail })));
    if (inc.after.unreadable !== undefined) out.push({ invariant: 'state', incarnation: inc.number, detail: `the state cannot be read: ${inc.after.unreadable}` });
    if (!(inc.acted && inc.step.end === 'kill-master')) out.push(...checkEnd(task, timeline.flags.retries, inc).map((v) => ({ ...v, incarnation: inc.number })));
  }
  out.push(...checkRecord(outcome));
  return out;
}

type Found = Omit<Violation, 'incarnation'>;

/** A failure point in words. */
function describe(f: FailurePoint): string {
  const what = f.kind === 'throw' ? `a throw after ${f.after === 'results' ? 'handleResult saw the results' : `a ${f.after} await`}` : f.kind === 'job' ? `a job holding a ${f.value} at depth ${f.depth}` : 'a Symbol cursor';
  return `${what} at seq ${f.seq}`;
}

/** The invariants of one incarnation that ended by itself or by a stop. */
function checkEnd(task: TaskModel, retries: number, inc: Incarnation): Found[] {
  const out: Found[] = [];
  const { before, after, exit, step, number } = inc;
  const code = exit.code;
  const signalled = inc.acted && (step.end === 'sigint' || step.end === 'sigterm');
  const halting = step.limit !== undefined || step.maxFailures !== undefined;
  const expected = firstFailure(task, number, before.watermark);
  const printed = task.failures.filter((f) => number < f.until).map((f) => ({ f, lines: reasonLines(inc.output, f) }));
  const failed = printed.filter((p) => p.lines > 0);
  const deadLettered = after.failed > 0 || after.deadLetters.length > 0;
  const tail = `; it printed:\n${lastLines(inc.output)}`;

  const sent = signalled ? (step.end === 'sigint' ? 'SIGINT' : 'SIGTERM') : undefined;
  // A signal that comes before the bin has set its handlers ends it as the signal does: nothing is open yet.
  if (exit.signal !== null && exit.signal !== sent) out.push({ invariant: 'exit-code', detail: `the master died of ${exit.signal}, which no one sent it` });
  else if (code === 2) out.push({ invariant: 'exit-code', detail: `exit 2 (a usage error) on a run of the same command${tail}` });
  else if (!signalled && (code === 130 || code === 143)) out.push({ invariant: 'exit-code', detail: `exit ${code} with no signal sent${tail}` });

  // finished ⇔ the generator ended without error and every yielded seq is done or dead-lettered.
  if (after.finished) {
    const missing = range(task.jobs).filter((seq) => !after.finishedSeqs.includes(seq));
    if (missing.length > 0) out.push({ invariant: 'finished', detail: `the state is finished, but seqs ${list(missing)} are neither done nor dead-lettered` });
    if (expected !== undefined) out.push({ invariant: 'finished', detail: `the state is finished, but the generator (from seq ${before.watermark}) meets ${describe(expected)} (exit ${code})${tail}` });
  } else if (!signalled && !halting && expected === undefined && (code === 0 || code === 1)) {
    out.push({ invariant: 'finished', detail: `the generator ended without error and the run exited ${code} by itself, but the state is not finished${tail}` });
  }

  // exit 0 ⇔ finished with no dead letter, or --limit reached with every taken job done.
  if (code === 0) {
    const whole = after.finished && !deadLettered;
    const limited = step.limit !== undefined && after.failed === before.failed && failed.length === 0;
    if (!whole && !limited) out.push({ invariant: 'exit-code', detail: `exit 0, but the state is ${after.finished ? 'finished with dead letters' : 'not finished'}${step.limit === undefined ? '' : ` (--limit ${step.limit}, dead-lettered ${before.failed} → ${after.failed})`}${tail}` });
  } else if (after.finished && !signalled && code !== (deadLettered ? 1 : 0)) {
    out.push({ invariant: 'exit-code', detail: `the state is finished ${deadLettered ? 'with' : 'without'} dead letters, but the exit code is ${code}` });
  } else if (code === 1 && !deadLettered && failed.length === 0 && step.maxFailures === undefined) {
    out.push({ invariant: 'exit-code', detail: `exit 1 with no dead letter and no failure of the model printed${tail}` });
  }

  // A failure ⇒ exit 1, the state not finished, its reason printed exactly once.
  for (const { f, lines } of failed) {
    if (lines > 1) out.push({ invariant: 'failure', detail: `the reason of ${describe(f)} was printed ${lines} times${tail}` });
    if (after.finished) out.push({ invariant: 'failure', detail: `${describe(f)} was reported, yet the state is finished` });
    if (code !== 1 && !(signalled && (code === 130 || code === 143))) out.push({ invariant: 'failure', detail: `${describe(f)} was reported, yet the exit code is ${code}` });
  }
  if (expected !== undefined && !signalled && !halting && !failed.some((p) => p.f === expected)) {
    out.push({ invariant: 'failure', detail: `the generator meets ${describe(expected)} (from seq ${before.watermark}), but the run exited ${code} without saying so${tail}` });
  }
  if (inc.output.includes('lc-bad-cursor')) out.push({ invariant: 'failure', detail: `getJobs was resumed after a cursor it never yielded${tail}` });

  const allowed = mayDeadLetter(task, retries);
  const unexpected = after.deadLetters.filter((seq) => !allowed.has(seq) && !before.deadLetters.includes(seq));
  if (unexpected.length > 0) out.push({ invariant: 'failure', detail: `seqs ${list(unexpected)} were dead-lettered, though their handler and handleResult succeed` });
  return out;
}

/** The handlers' record against the states: no re-run of a finished job, the right job for each seq, an end. */
function checkRecord({ scenario, incarnations, records }: RunOutcome): Violation[] {
  const { task } = scenario;
  const out: Violation[] = [];
  for (const inc of incarnations) {
    const finishedBefore = new Set(inc.before.finishedSeqs);
    const reran = records.filter((r) => r.incarnation === inc.number && finishedBefore.has(r.seq));
    if (reran.length > 0) {
      const last = incarnations[inc.number - 1];
      const how = last === undefined ? '' : ` (incarnation ${last.number} ended by ${last.acted ? last.step.end : 'itself'})`;
      out.push({ invariant: 'reran', incarnation: inc.number, detail: `seqs ${list(reran.map((r) => r.seq))} ran again, though the state recorded them finished before this incarnation${how}` });
    }
  }
  const wrong = records.filter((r) => r.s !== r.seq);
  if (wrong.length > 0) out.push({ invariant: 'reran', detail: `handlers ran the wrong job for a seq (seq→job): ${wrong.slice(0, 8).map((r) => `${r.seq}→${r.s} (incarnation ${r.incarnation})`).join(', ')}` });
  const rejected = records.filter((r) => task.rejects.includes(r.s));
  if (rejected.length > 0) out.push({ invariant: 'reran', detail: `rejected jobs ${list(rejected.map((r) => r.s))} reached a handler` });

  const last = incarnations.at(-1);
  if (last === undefined) return out;
  if (!last.after.finished && last.after.unreadable === undefined && last.exit.code !== 2) {
    out.push({ invariant: 'ended', incarnation: last.number, detail: `the run has not finished after ${incarnations.length} incarnations, the last ${TAIL_NOTE}; its state holds ${last.after.finishedSeqs.length} of ${task.jobs} seqs` });
  }
  const dead = new Set(last.after.deadLetters);
  const ran = new Set(records.filter((r) => r.s === r.seq).map((r) => r.seq));
  const neverRan = last.after.finishedSeqs.filter((seq) => seq < task.jobs && !dead.has(seq) && !ran.has(seq));
  if (neverRan.length > 0) out.push({ invariant: 'ended', incarnation: last.number, detail: `seqs ${list(neverRan)} are recorded done, but their handler never ran` });
  return out;
}

const TAIL_NOTE = 'with every failure of the model fixed';

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A short list of seqs: the first few, and how many there are. */
function list(seqs: readonly number[]): string {
  const unique = [...new Set(seqs)].sort((a, b) => a - b);
  return `${unique.slice(0, 10).join(', ')}${unique.length > 10 ? `, … (${unique.length})` : ''}`;
}

function lastLines(output: string, n = 12): string {
  return output.trimEnd().split('\n').slice(-n).map((line) => `    ${line}`).join('\n');
}

/**
 * The rules of a run's end (master/run-end.ts), over every order in which endings can come:
 * fast-check draws the reports, and each verdict is checked against the written precedence.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateError, UsageError } from '../../../src/common/errors.js';
import { createLogger } from '../../../src/common/log.js';
import { RunEnd, type Ending } from '../../../src/master/end/run-end.js';

const halt = { reason: 'max-failures', message: 'too many' } as const;
const limit = { reason: 'limit', message: 'limit' } as const;

const endings: Record<string, () => Ending> = {
  ended: () => ({ kind: 'generator-ended' }),
  limited: () => ({ kind: 'limit-reached', halt: limit }),
  sigint: () => ({ kind: 'stop', signal: 'SIGINT' }),
  sigterm: () => ({ kind: 'stop', signal: 'SIGTERM' }),
  stop: () => ({ kind: 'stop' }),
  maxFailures: () => ({ kind: 'max-failures', halt }),
  generatorFailed: () => ({ kind: 'generator-failed', error: new Error('getJobs failed at seq 3: boom') }),
  untravelable: () => ({ kind: 'generator-failed', error: new UsageError('getJobs yielded a job at seq 5 that cannot travel') }),
  state: () => ({ kind: 'state-unwritable', error: new StateError('could not write state file', { code: 'E_STATE_WRITE' }) }),
  slaves: () => ({ kind: 'slaves-failed', error: new UsageError('the slaves could not start') }),
  fatal: () => ({ kind: 'fatal', error: new Error('socket gone') }),
};
const FAILURES = new Set(['generatorFailed', 'untravelable', 'state', 'slaves', 'fatal']);

function quietEnd(lines: string[] = []): RunEnd {
  return new RunEnd(createLogger('master', 'error', (line) => lines.push(line)));
}

describe('the run’s end', () => {
  it('decides by the written precedence, whatever the order of the reports', () => {
    const names = Object.keys(endings);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...names), { maxLength: 8 }), fc.boolean(), fc.nat(3), (reports, drained, deadLettered) => {
        const end = quietEnd();
        for (const name of reports) end.report(endings[name]!());
        const finishedNow = end.canFinish(drained);
        const verdict = end.verdict(drained, deadLettered);
        const firstFailure = reports.find((name) => FAILURES.has(name));
        const endedCleanly = reports.includes('ended') && firstFailure === undefined;
        // Finished, in the state and in the outcome, exactly when the generator ended cleanly and every seq is finished.
        expect(finishedNow).toBe(endedCleanly && drained);
        expect(verdict.outcome === 'finished').toBe(endedCleanly && drained);
        if (firstFailure !== undefined) {
          expect(verdict.outcome).toBe('failed');
          expect(verdict.error?.message).toBe((endings[firstFailure]!() as { error: Error }).error.message);
          expect(verdict.exitCode).toBe(firstFailure === 'slaves' ? 2 : 1);
          return;
        }
        const firstStop = reports.find((name) => ['sigint', 'sigterm', 'stop', 'maxFailures'].includes(name));
        const limitDone = reports.includes('limited') && drained;
        // Exit 0 only for a finished run, or the --limit taken and done with no stop before, and no dead letter either way.
        const finished = endedCleanly && drained;
        expect(verdict.exitCode === 0).toBe(deadLettered === 0 && (finished || (firstStop === undefined && limitDone)));
        if (verdict.outcome === 'finished') return;
        if (firstStop === 'maxFailures') expect(verdict).toMatchObject({ exitCode: 1, halt });
        else if (firstStop !== undefined) expect(verdict.exitCode).toBe(firstStop === 'sigterm' ? 143 : 130);
        else if (limitDone) expect(verdict).toMatchObject({ exitCode: deadLettered > 0 ? 1 : 0, halt: limit });
        else expect(verdict.exitCode).toBe(1);
      }),
    );
  });

  it('says each failure’s reason once, however often it is reported', () => {
    const lines: string[] = [];
    const end = quietEnd(lines);
    for (let i = 0; i < 3; i++) end.report(endings.state!());
    end.report(endings.generatorFailed!());
    expect(lines).toEqual(['[master] error: could not write state file\n', '[master] error: getJobs failed at seq 3: boom\n']);
  });

  it('takes no report after its verdict: slaves that exit late change nothing and go unsaid', () => {
    const lines: string[] = [];
    const end = quietEnd(lines);
    end.report(endings.ended!());
    expect(end.verdict(true, 0)).toEqual({ outcome: 'finished', exitCode: 0 });
    expect(end.report(endings.slaves!())).toBe(false);
    expect(lines).toEqual([]);
  });
});

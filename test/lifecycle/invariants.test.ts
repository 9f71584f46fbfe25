import { describe, expect, it } from 'vitest';
import type { Incarnation, RunOutcome } from './driver.js';
import { checkRun, type Violation } from './invariants.js';
import type { FailurePoint, Scenario, TaskModel } from './model.js';
import { NO_STATE, type RecordLine, type StateView } from './observe.js';

// The checker is fed outcomes made up here, good and bad, so it cannot pass a broken run silently.

const TASK: TaskModel = {
  jobs: 3,
  cursor: 'seq',
  awaits: ['none', 'none', 'none', 'none'],
  handlers: ['ok', 'ok', 'ok'],
  slowMs: 10,
  rejects: [],
  failures: [],
  results: { kind: 'none', ticks: 1, throwsAt: [], throwsAlways: false },
};
const FLAGS = { size: 4, checkpointInterval: 50, lease: 1000, grace: 500, retries: 1, retryBackoff: 10, jobTimeout: 0, maxCredit: 2 };
const THROW_AT_2: FailurePoint = { seq: 2, kind: 'throw', after: 'results', value: 'function', depth: 1, until: 1 };
const DONE: StateView = { exists: true, finished: true, watermark: 3, finishedSeqs: [0, 1, 2], failed: 0, deadLetters: [] };
const HALF: StateView = { exists: true, finished: false, watermark: 2, finishedSeqs: [0, 1], failed: 0, deadLetters: [] };

function scenario(task: Partial<TaskModel> = {}): Scenario {
  return { seed: 0, task: { ...TASK, ...task }, timeline: { mode: 'run', slaves: 1, threads: 1, slaveStop: 'SIGTERM', flags: FLAGS, steps: [] } };
}

function incarnation(over: Partial<Incarnation> = {}): Incarnation {
  return {
    number: 0,
    step: { end: 'natural', trigger: { delayMs: 0 }, toGroup: false },
    acted: false,
    exit: { code: 0, signal: null },
    output: 'tm-run: finished: 3 jobs done, 0 dead-lettered in 0.1 s (30 jobs/s)\n',
    before: NO_STATE,
    after: DONE,
    problems: [],
    ms: 100,
    ...over,
  };
}

const ran = (seqs: number[], inc = 0): RecordLine[] => seqs.map((seq) => ({ seq, s: seq, pid: 100 + inc, incarnation: inc, attempt: 0 }));

function check(incarnations: Incarnation[], records = ran([0, 1, 2]), task: Partial<TaskModel> = {}): Violation[] {
  const outcome: RunOutcome = { scenario: scenario(task), incarnations, records };
  return checkRun(outcome);
}

const kinds = (violations: Violation[]): string[] => [...new Set(violations.map((v) => v.invariant))].sort();

describe('the lifecycle invariants', () => {
  it('pass a run that did every job and said so', () => {
    expect(check([incarnation()])).toEqual([]);
  });

  it('pass a failing generator reported once, then a rerun that finishes', () => {
    const failed = incarnation({ exit: { code: 1, signal: null }, after: HALF, output: '[master] error: getJobs failed at seq 2: lc-fail-2: gave up\ntm-run: failed: 2 jobs done\n' });
    const rerun = incarnation({ number: 1, before: HALF });
    expect(check([failed, rerun], [...ran([0, 1]), ...ran([2], 1)], { failures: [THROW_AT_2] })).toEqual([]);
  });

  it('see exit 0 with a state that is not finished', () => {
    expect(kinds(check([incarnation({ after: HALF })], ran([0, 1])))).toContain('exit-code');
  });

  it('see a finished state that misses a seq', () => {
    const after = { ...DONE, finishedSeqs: [0, 2] };
    expect(check([incarnation({ after })]).map((v) => v.detail).join('\n')).toMatch(/seqs 1 are neither done nor dead-lettered/);
  });

  it('see a run marked finished while its generator failed (issue 18, finding 1)', () => {
    const violations = check([incarnation({ output: 'tm-run: finished: 2 jobs done\n' })], ran([0, 1, 2]), { failures: [THROW_AT_2] });
    expect(kinds(violations)).toEqual(['failure', 'finished']);
  });

  it('see a reason printed twice', () => {
    const output = '[master] error: getJobs failed at seq 2: lc-fail-2: gave up\ntm-run: failed: 2 jobs done\ntm-run: getJobs failed at seq 2: lc-fail-2: gave up\n';
    const violations = check([incarnation({ exit: { code: 1, signal: null }, after: HALF, output })], ran([0, 1]), { failures: [THROW_AT_2] });
    expect(violations.map((v) => v.detail).join('\n')).toMatch(/printed 2 times/);
  });

  it('see a job that cannot travel reported with exit 0', () => {
    const job: FailurePoint = { ...THROW_AT_2, kind: 'job', after: 'micro', depth: 150 };
    const output = '[master] error: getJobs yielded a job at seq 2 that cannot travel to a slave: a function\n';
    expect(kinds(check([incarnation({ after: HALF, output })], ran([0, 1]), { failures: [job] }))).toContain('failure');
  });

  it('see a job that ran again after the state recorded it done, and one that ran the wrong job', () => {
    const stopped = incarnation({ step: { end: 'sigint', trigger: { records: 2 }, toGroup: false }, acted: true, exit: { code: 130, signal: null }, after: HALF, output: 'tm-run: stopped\n' });
    const rerun = incarnation({ number: 1, before: HALF });
    const records = [...ran([0, 1]), ...ran([1, 2], 1), { seq: 2, s: 0, pid: 1, incarnation: 1, attempt: 0 }];
    const details = check([stopped, rerun], records).map((v) => v.detail).join('\n');
    expect(details).toMatch(/seqs 1 ran again/);
    expect(details).toMatch(/the wrong job for a seq \(seq→job\): 2→0/);
  });

  it('see a job recorded done whose handler never ran, and a run that never finishes', () => {
    expect(check([incarnation()], ran([0, 2])).map((v) => v.detail).join('\n')).toMatch(/seqs 1 are recorded done, but their handler never ran/);
    const stuck = incarnation({ exit: { code: 1, signal: null }, after: HALF, output: '[master] error: something else\n' });
    expect(kinds(check([stuck], ran([0, 1])))).toEqual(['ended', 'exit-code', 'finished']);
  });

  it('pass on what the driver saw of the processes', () => {
    const problems = ['tm-run pid 7 did not stop within 10 s of SIGTERM'];
    expect(check([incarnation({ problems })])).toEqual([{ invariant: 'processes', incarnation: 0, detail: problems[0] }]);
  });
});

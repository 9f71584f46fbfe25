/** The features a scenario exercises, by name: how the fixed seeds of lifecycle.test.ts were chosen to cover them all. */
import type { Scenario } from './model.js';

/** Every feature name `features` can give. */
export const FEATURES = [
  'tm-run', 'split', 'two-slaves', 'two-threads', 'keyed', 'reject', 'throw-micro', 'throw-io', 'throw-timer', 'throw-results',
  'throw-at-end', 'job-function', 'job-symbol', 'job-deep', 'symbol-cursor', 'handler-throw', 'handler-throw-once', 'handler-slow',
  'handler-timeout', 'result-sync', 'result-micro', 'result-io', 'result-throws', 'sigint', 'sigint-group', 'sigterm', 'kill-master',
  'kill-slave', 'limit', 'max-failures', 'slaves-killed',
] as const;

export type Feature = (typeof FEATURES)[number];

/** The features `scenario` exercises (if its timeline gets that far). */
export function features({ task, timeline }: Scenario): Set<Feature> {
  const out = new Set<Feature>();
  const add = (feature: Feature, when: boolean): void => void (when && out.add(feature));
  add(timeline.mode === 'run' ? 'tm-run' : 'split', true);
  add('two-slaves', timeline.slaves > 1);
  add('two-threads', timeline.threads > 1);
  add('keyed', task.cursor === 'key');
  add('reject', task.rejects.length > 0);
  for (const f of task.failures) {
    if (f.kind === 'throw' && f.after !== 'none') add(`throw-${f.after}`, true);
    add('throw-at-end', f.kind === 'throw' && f.seq === task.jobs);
    add(f.value === 'function' ? 'job-function' : 'job-symbol', f.kind === 'job');
    add('job-deep', f.kind === 'job' && f.depth > 100);
    add('symbol-cursor', f.kind === 'cursor');
  }
  for (const plan of task.handlers) if (plan !== 'ok') add(`handler-${plan}`, true);
  if (task.results.kind !== 'none') add(`result-${task.results.kind}`, true);
  add('result-throws', task.results.throwsAt.length > 0);
  for (const step of timeline.steps) {
    if (step.end !== 'natural') add(step.end, true);
    add('sigint-group', step.toGroup);
    add('limit', step.limit !== undefined);
    add('max-failures', step.maxFailures !== undefined);
  }
  add('slaves-killed', timeline.mode === 'split' && timeline.slaveStop === 'SIGKILL');
  return out;
}

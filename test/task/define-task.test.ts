/** Type tests: a task's job and result types flow to its handlers and to run()'s results (checked by `tsc`, as `npm test` runs it). */
import { describe, expectTypeOf, it } from 'vitest';
import { defineTask, type JobOf, type ResultOf } from '../../src/task/define-task.js';
import type { RunHandle, RunResult } from '../../src/run/run.js';
import { withCursor } from '../../src/task/task.js';

// Typed as the real one, never called: importing src/run.js would start on the supervisor, which wants the built bins.
declare const run: typeof import('../../src/run/run.js').run;

const squares = defineTask({
  async *getJobs(last, args) {
    for (let i = Number(last ?? 0); i < Number(args.n ?? 100); i++) yield i;
  },
  handleJob: (i) => ({ i, square: i * i }),
  handleResult: (result, job) => {
    expectTypeOf(result).toEqualTypeOf<{ i: number; square: number }>();
    expectTypeOf(job).toEqualTypeOf<number>();
  },
});

describe('defineTask', () => {
  it('infers the job from what getJobs yields, and the result from what handleJob returns', () => {
    expectTypeOf<JobOf<typeof squares>>().toEqualTypeOf<number>();
    expectTypeOf<ResultOf<typeof squares>>().toEqualTypeOf<{ i: number; square: number }>();
    expectTypeOf(squares.handleJob).parameter(0).toEqualTypeOf<number>();
  });

  it('awaits an async handler’s result, and reads jobs yielded withCursor', () => {
    const rows = defineTask({
      *getJobs() {
        yield withCursor({ id: 1, name: 'a' }, 1);
      },
      handleJob: async (row) => row.name.length,
    });
    expectTypeOf<JobOf<typeof rows>>().toEqualTypeOf<{ id: number; name: string }>();
    expectTypeOf<ResultOf<typeof rows>>().toEqualTypeOf<number>();
    expectTypeOf(rows.handleJob).returns.resolves.toEqualTypeOf<number>();
  });

  it('takes explicit types, and then holds the functions to them', () => {
    const typed = defineTask<string, number>({
      *getJobs() {
        yield 'a';
      },
      handleJob: (s) => s.length,
    });
    expectTypeOf(typed).toEqualTypeOf<ReturnType<typeof defineTask<string, number>>>();
  });

  it('refuses a handler of another job type than the generator yields, or a result handler of another result', () => {
    // @ts-expect-error the generator yields numbers, the handler takes strings
    defineTask({ *getJobs() { yield 1; }, handleJob: (s: string) => s.length }); // prettier-ignore
    // @ts-expect-error the handler returns a number, handleResult takes a string
    defineTask({ *getJobs() { yield 1; }, handleJob: (i: number) => i, handleResult: (r: string) => r }); // prettier-ignore
    // @ts-expect-error explicit types hold: a handler must return the declared result
    defineTask<number, string>({ *getJobs() { yield 1; }, handleJob: (i) => i }); // prettier-ignore
  });
});

describe('run()', () => {
  it('types its results by the task it is given as a type argument', () => {
    // Only types here: the handle is never made.
    const start = (): RunHandle<number, { i: number; square: number }> => run<typeof squares>({ module: 'squares.ts' });
    expectTypeOf(start).returns.toEqualTypeOf<RunHandle<number, { i: number; square: number }>>();
    type Results = ReturnType<typeof start>['results'];
    expectTypeOf<Results>().toEqualTypeOf<AsyncIterable<RunResult<number, { i: number; square: number }>>>();
    // Untyped, its results are unknown.
    expectTypeOf<ReturnType<typeof run>>().toEqualTypeOf<RunHandle<unknown, unknown>>();
  });
});

// examples/typed-squares.ts: a task module typed end to end
import { defineTask } from 'taskmaster-ts';

export default defineTask({
  async *getJobs(last, args) {
    for (let i = Number(last ?? 0); i < Number(args.n ?? 1000); i++) yield i;
  },
  // The job type comes from what getJobs yields: `i` is a number, and the result is typed.
  handleJob: (i) => ({ i, square: i * i }),
  countJobs: (args) => Number(args.n ?? 1000),
});

/** Waiting on a run's own progress ticks: its clock, not a sleep. */
import type * as Api from '../../src/index.js';

/** Resolves once `count` more progress events have come. */
export function progressEvents<J, R>(handle: Api.RunHandle<J, R>, count: number): Promise<Api.ProgressSnapshot> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = (snapshot: Api.ProgressSnapshot): void => {
      if (++seen < count) return;
      handle.off('progress', on);
      resolve(snapshot);
    };
    handle.on('progress', on);
  });
}

/** What a supervisor (tm-spawn, tm-run) tells its slaves over their IPC channel when the run is over. */
export const RUN_OVER = 'taskmaster:run-over';

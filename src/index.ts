/** taskmaster-ts: the public API. */
export { run, RunHandle, type RunOptions, type RunResult, type RunEvents } from './run.js';
export { defineTask, type Task, type JobOf, type ResultOf } from './define-task.js';
export { Master, type Summary, type MasterEvents } from './master/master.js';
export type { Halt } from './master/summary.js';
export type { MasterOptions } from './master/options.js';
export type { ProgressSnapshot } from './master/run-progress.js';
export type { ResultHandler } from './master/task-exports.js';
export { HttpWindow, type HttpWindowOptions } from './master/http/http-window.js';
export { Slave, type SlaveSummary } from './slave/slave.js';
export type { SlaveOptions } from './slave/options.js';
export { withCursor, isWithCursor, rejectJob, isRejectedJob } from './task.js';
export type { Cursor, JobArgs, JobContext, GetJobs, HandleJob, CountJobs, HandleResult, WithCursor, RejectedJob } from './task.js';
export { UsageError, StateError, type ErrorCode } from './errors.js';
export { channels, type Channels } from './channels.js';

/** taskmaster-ts: the public API. */
export { run, RunHandle, type RunOptions, type RunResult, type RunEvents } from './run/run.js';
export { defineTask, type Task, type JobOf, type ResultOf } from './task/define-task.js';
export { Master, type Summary, type MasterEvents } from './master/master.js';
export type { Halt } from './master/observe/summary.js';
export type { MasterOptions } from './master/master-options.js';
export type { ProgressSnapshot } from './master/observe/progress.js';
export type { ResultHandler } from './master/master-options.js';
export { HttpWindow, type HttpWindowOptions } from './master/observe/http/http-window.js';
export { Slave, type SlaveSummary } from './slave/slave.js';
export type { SlaveOptions } from './slave/slave-options.js';
export { withCursor, isWithCursor, rejectJob, isRejectedJob } from './task/task.js';
export type { Cursor, JobArgs, JobContext, GetJobs, HandleJob, CountJobs, HandleResult, WithCursor, RejectedJob } from './task/task.js';
export { UsageError, StateError, type ErrorCode } from './common/errors.js';
export { channels, type Channels } from './task/channels.js';

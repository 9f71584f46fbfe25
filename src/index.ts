/** taskmaster-ts: the public API. */
export { Master, type Summary, type MasterEvents } from './master/master.js';
export type { MasterOptions } from './master/options.js';
export type { ProgressSnapshot } from './master/run-progress.js';
export { Slave, type SlaveSummary } from './slave/slave.js';
export type { SlaveOptions } from './slave/options.js';
export { withCursor, isWithCursor } from './task.js';
export type { Cursor, JobArgs, JobContext, GetJobs, HandleJob, CountJobs, HandleResult, WithCursor } from './task.js';
export { UsageError, StateError, type ErrorCode } from './errors.js';

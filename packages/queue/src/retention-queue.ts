// Log retention (issue 17): a queue of its own, fed by one job scheduler. Every worker process
// upserts the same scheduler and listens on the queue with concurrency 1; the scheduler puts one
// job per interval on it, so one run happens at a time across all of them (and the run itself
// takes a PostgreSQL advisory lock per step, should two ever overlap).
import type { DefaultJobOptions } from 'bullmq';

export const LOG_RETENTION_QUEUE = 'log-retention';
export const LOG_RETENTION_JOB = 'log-retention';
/** The job scheduler's id: the same in every worker, so upserting it again changes nothing. */
export const LOG_RETENTION_SCHEDULER = 'log-retention';

export const LOG_RETENTION_JOB_OPTIONS: DefaultJobOptions = {
  // A failed run is not retried: the next one comes at the next interval and redoes all of it.
  attempts: 1,
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};

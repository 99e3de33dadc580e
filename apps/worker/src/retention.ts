// Log retention (issue 17), run by the worker processes: a BullMQ job scheduler puts one job
// on the log-retention queue every LOG_RETENTION_INTERVAL_MS; each worker process listens with
// concurrency 1, so one run happens at a time across all of them. A run (packages/db
// applyLogRetention) creates this month's and the next LOG_PARTITIONS_AHEAD months' partitions
// and drops the months older than LOG_RETENTION_DAYS, keeping the rows still needed.
import { applyLogRetention, type Db, type LogRetentionResult } from '@plexhook/db';
import {
  LOG_RETENTION_JOB,
  LOG_RETENTION_JOB_OPTIONS,
  LOG_RETENTION_QUEUE,
  LOG_RETENTION_SCHEDULER,
  type RedisClient,
} from '@plexhook/queue';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config';

export type LogRetentionDeps = {
  db: Db;
  redis: RedisClient;
  logger: Logger;
  config: Pick<
    WorkerConfig,
    'QUEUE_PREFIX' | 'LOG_RETENTION_DAYS' | 'LOG_RETENTION_INTERVAL_MS' | 'LOG_PARTITIONS_AHEAD'
  >;
  /** The webhook worker's route for Redis errors (WorkerHealth.reportRedisError); else logged. */
  reportRedisError?: (err: Error, from: string) => void;
};

export type LogRetention = { queue: Queue; worker: Worker; close(): Promise<void> };

export function startLogRetention(deps: LogRetentionDeps): LogRetention {
  const { db, redis, logger, config } = deps;
  const connection = { connection: redis, prefix: config.QUEUE_PREFIX };
  const queue = new Queue(LOG_RETENTION_QUEUE, {
    ...connection,
    defaultJobOptions: LOG_RETENTION_JOB_OPTIONS,
  });
  const worker = new Worker<unknown, LogRetentionResult>(
    LOG_RETENTION_QUEUE,
    async () => {
      const result = await applyLogRetention(db, {
        now: new Date(),
        retentionDays: config.LOG_RETENTION_DAYS,
        monthsAhead: config.LOG_PARTITIONS_AHEAD,
      });
      if (
        result.created.length ||
        result.dropped.length ||
        result.purged ||
        result.sessionsPruned ||
        result.skipped
      ) {
        logger.info(result, 'log retention');
      }
      return result;
    },
    { ...connection, concurrency: 1 },
  );
  const onError = (err: Error) => {
    if (deps.reportRedisError) deps.reportRedisError(err, 'log retention');
    else logger.error({ err: err.message }, 'log retention error');
  };
  queue.on('error', onError);
  worker.on('error', onError);
  worker.on('failed', (_job, err) => logger.warn({ err: err.message }, 'log retention run failed'));
  // Every worker upserts the same scheduler (same id): one schedule, whichever process set it
  // last. Redis away at start: tried again until it takes.
  let retry: NodeJS.Timeout | undefined;
  const schedule = () => {
    queue
      .upsertJobScheduler(
        LOG_RETENTION_SCHEDULER,
        { every: config.LOG_RETENTION_INTERVAL_MS },
        { name: LOG_RETENTION_JOB, data: {}, opts: LOG_RETENTION_JOB_OPTIONS },
      )
      .catch((err: Error) => {
        logger.warn({ err: err.message }, 'log retention not scheduled yet');
        retry = setTimeout(schedule, 30_000).unref();
      });
  };
  schedule();
  return {
    queue,
    worker,
    async close() {
      clearTimeout(retry);
      await worker.close();
      await queue.close();
    },
  };
}

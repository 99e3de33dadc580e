// The history sync's BullMQ worker (queue plex-history-sync, one run at a time per process) and
// the job schedulers that start a run per user every history_sync_interval_minutes. Its rows
// go through the webhook queue, so the webhook workers (the same process) log them.
import { type Db, listHistorySyncUsers, type WorkerStore } from '@plexhook/db';
import {
  createHistoryQueue,
  createWebhookQueue,
  HISTORY_JOB,
  HISTORY_QUEUE,
  type HistoryQueue,
  HistorySyncJobSchema,
  type HistorySyncResult,
  historyCancelKey,
  historySchedulerId,
  type RedisClient,
} from '@plexhook/queue';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import {
  DEFAULT_HISTORY_SYNC_OPTIONS,
  type HistorySyncOptions,
  runHistorySync,
} from '../history/history-sync';

export type HistoryWorkerDeps = {
  db: Db;
  store: WorkerStore;
  redis: RedisClient;
  logger: Logger;
  prefix: string;
  options?: Partial<HistorySyncOptions>;
  /** The webhook worker's route for Redis errors (WorkerHealth.reportRedisError). */
  reportRedisError?: (err: Error, from: string) => void;
  /** How often the per-user schedulers are brought in line with plex_config (ms). */
  schedulerRefreshMs?: number;
};

export type HistoryWorker = {
  worker: Worker;
  queue: HistoryQueue;
  /** Creates, updates and removes the per-user schedulers from plex_config. */
  refreshSchedulers(): Promise<number>;
  close(): Promise<void>;
};

export function createHistoryWorker(deps: HistoryWorkerDeps): HistoryWorker {
  const options = { ...DEFAULT_HISTORY_SYNC_OPTIONS, ...deps.options };
  const webhookQueue = createWebhookQueue(deps.redis, deps.prefix);
  const queue = createHistoryQueue(deps.redis, deps.prefix);
  // Redis errors go the webhook worker's way when main.ts gives it (rate-limited, OOM pauses).
  const onRedisError = (from: string) => (err: Error) =>
    deps.reportRedisError
      ? deps.reportRedisError(err, from)
      : deps.logger.warn({ err: err.message }, `${from} error`);
  queue.on('error', onRedisError('history queue'));
  webhookQueue.on('error', onRedisError('history webhook queue'));

  const worker = new Worker(
    HISTORY_QUEUE,
    async (job: Job): Promise<HistorySyncResult> => {
      const parsed = HistorySyncJobSchema.safeParse(job.data);
      if (!parsed.success)
        throw new UnrecoverableError(`malformed history sync job: ${parsed.error.message}`);
      const jobId = job.id ?? `history-${job.timestamp}`;
      return runHistorySync(
        {
          db: deps.db,
          store: deps.store,
          redis: deps.redis,
          logger: deps.logger,
          prefix: deps.prefix,
          webhookQueue,
          options,
        },
        jobId,
        parsed.data,
        {
          progress: (p) => job.updateProgress(p),
          cancelled: async () => (await deps.redis.exists(historyCancelKey(deps.prefix, jobId))) > 0,
        },
      );
    },
    {
      connection: deps.redis,
      prefix: deps.prefix,
      concurrency: 1,
      // A run waits on its rows' log rows for minutes: the lock is renewed meanwhile.
      lockDuration: 60_000,
    },
  );
  worker.on('error', onRedisError('history worker'));
  worker.on('failed', (job, err) =>
    deps.logger.warn(
      { jobId: job?.id, userId: job?.data?.userId, err: err.message },
      'history sync run failed',
    ),
  );

  async function refreshSchedulers(): Promise<number> {
    const users = await listHistorySyncUsers(deps.db);
    const wanted = new Set(users.map((u) => historySchedulerId(u.userId)));
    for (const u of users) {
      await queue.upsertJobScheduler(
        historySchedulerId(u.userId),
        { every: Math.max(1, u.intervalMinutes) * 60_000 },
        { name: HISTORY_JOB, data: { userId: u.userId, mode: 'sync' } },
      );
    }
    for (const s of await queue.getJobSchedulers(0, -1)) {
      const id = s.key ?? s.id;
      if (id?.startsWith('history-sync-user-') && !wanted.has(id)) await queue.removeJobScheduler(id);
    }
    return users.length;
  }

  const refresh = () =>
    refreshSchedulers().catch((err: Error) =>
      deps.logger.warn({ err: err.message }, 'history sync schedulers not refreshed'),
    );
  void refresh();
  const timer = setInterval(refresh, deps.schedulerRefreshMs ?? 5 * 60_000);
  timer.unref();

  return {
    worker,
    queue,
    refreshSchedulers,
    async close() {
      clearInterval(timer);
      await worker.close();
      await queue.close();
      await webhookQueue.close();
    },
  };
}

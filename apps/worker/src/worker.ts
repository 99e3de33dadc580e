import { createWorkerStore } from '@plexhook/db';
import { OutageLog, WEBHOOK_QUEUE } from '@plexhook/queue';
import { Queue, Worker } from 'bullmq';
import type { WorkerDeps } from './deps';
import { DbHealth, isRedisOom, PauseGate, RedisMemoryHealth } from './health';
import { createSeriesLookupClient } from './media-server/series-lookup-client';
import { createPlexMetadataClient } from './plex/plex-metadata-client';
import { createDeadLetterSweep, type DeadLetterSweep } from './processors/dead-letter';
import { runPlexEventJob } from './processors/plex-event.processor';

export type { WorkerDeps } from './deps';

/** What /readyz and /metrics read besides BullMQ's own events. */
export type WorkerHealth = {
  db: DbHealth;
  redisMemory: RedisMemoryHealth;
  gate: PauseGate;
  deadLetter: DeadLetterSweep;
  /** Jobs put back because the database was unreachable (no attempt spent). */
  deferred: number;
  /** Ready to process: running, database reachable, Redis connected and accepting writes. */
  ready(): boolean;
  /**
   * Where every Redis error of this process's queues and workers goes, named by what raised it:
   * at maxmemory to RedisMemoryHealth (one line per interval, every attached worker paused),
   * an unreachable Redis to the OutageLog, anything else logged as it is.
   */
  reportRedisError(err: Error, from: string): void;
};

export type WebhookWorker = Worker & { health: WorkerHealth };

/** What a worker is built from: the store is built on `db` when not given. */
export type WebhookWorkerDeps = Omit<WorkerDeps, 'store'> & Partial<Pick<WorkerDeps, 'store'>>;

export function createWebhookWorker(given: WebhookWorkerDeps): WebhookWorker {
  const { config, logger, redis, db } = given;
  // Filled in below, before the worker can run a job.
  const health = { deferred: 0 } as WorkerHealth;
  const store = given.store ?? createWorkerStore(db);
  const redisOutage =
    given.redisOutage ?? new OutageLog(logger, 'redis', config.WORKER_ERROR_LOG_INTERVAL_MS);
  const deps: WorkerDeps = {
    ...given,
    store,
    plexMetadata:
      given.plexMetadata ??
      createPlexMetadataClient({
        timeoutMs: config.PLEX_METADATA_TIMEOUT_MS,
        ttlMs: config.PLEX_METADATA_CACHE_TTL_SECONDS * 1000,
        maxEntries: config.PLEX_METADATA_CACHE_MAX_ENTRIES,
        logger,
      }),
    // The same timeout and cache bounds as the Plex lookups: one kind of request, one setting.
    seriesLookup:
      given.seriesLookup ??
      createSeriesLookupClient({
        timeoutMs: config.PLEX_METADATA_TIMEOUT_MS,
        ttlMs: config.PLEX_METADATA_CACHE_TTL_SECONDS * 1000,
        maxEntries: config.PLEX_METADATA_CACHE_MAX_ENTRIES,
        logger,
      }),
    onDeferred: () => {
      health.deferred++;
    },
  };
  const worker = new Worker(WEBHOOK_QUEUE, (job, token) => runPlexEventJob(deps, job, token), {
    connection: redis,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    // A worker killed mid-job (kill -9, OOM) stops renewing its job lock; once the lock expires,
    // the next stalled-job check hands the job to another worker. Both are minutes-scale knobs
    // in production and seconds in the crash tests.
    lockDuration: config.WORKER_LOCK_DURATION_MS,
    stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
    // BullMQ fails a job stalled more than this without running the processor; one above our
    // own limit, so the processor sees the job first and logs it (processPlexEvent).
    maxStalledCount: config.WORKER_MAX_STALLS + 1,
  }) as WebhookWorker;

  const gate = new PauseGate(worker, logger);
  health.gate = gate;
  health.db = new DbHealth(store.ping, gate, logger, config.WORKER_DB_PROBE_INTERVAL_MS);
  deps.dbHealth = health.db;
  health.redisMemory = new RedisMemoryHealth(
    redis,
    `${config.QUEUE_PREFIX}:worker-probe:${worker.id}`,
    gate,
    logger,
    {
      minBackoffMs: 250,
      maxBackoffMs: config.WORKER_REDIS_BACKOFF_MAX_MS,
      logIntervalMs: config.WORKER_ERROR_LOG_INTERVAL_MS,
    },
  );
  // The dead-letter reads job data through a Queue on the same connection.
  const queue = new Queue(WEBHOOK_QUEUE, { connection: redis, prefix: config.QUEUE_PREFIX });
  health.reportRedisError = (err, from) => {
    if (isRedisOom(err)) health.redisMemory.report(err);
    else redisOutage.handle(err, (e) => logger.error({ err: e.message }, `${from} error`), { from });
  };
  queue.on('error', (err) => health.reportRedisError(err, 'queue'));
  health.deadLetter = createDeadLetterSweep(
    { store, redis, logger, queue, prefix: config.QUEUE_PREFIX },
    config.WORKER_DEAD_LETTER_INTERVAL_MS,
  );
  let closing = false;
  health.ready = () =>
    worker.isRunning() && !closing && health.db.up && !health.redisMemory.oom && redis.status === 'ready';
  worker.health = health;
  health.db.onUp(() => health.deadLetter.kick());
  health.db.start();
  health.deadLetter.start();
  worker.on('closing', () => {
    closing = true;
    health.db.stop();
    health.redisMemory.stop();
    health.deadLetter.stop();
    void queue.close().catch(() => undefined);
  });

  // At maxmemory every BullMQ call fails at once and its loop retries at once: one line per
  // interval, and the worker pauses (RedisMemoryHealth).
  worker.on('error', (err) => health.reportRedisError(err, 'worker'));
  // LOG_LEVEL=debug traces every webhook's outcome (the log row has the details).
  worker.on('completed', (job, result) => logger.debug({ jobId: job.id, ...result }, 'webhook handled'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    logger.warn({ jobId: job.id, attempts: job.attemptsMade, err: err.message }, 'job failed');
    // A job that ended failed gets its row now if it has none (the sweep also runs on a timer).
    if (job.finishedOn) health.deadLetter.kick();
  });
  return worker;
}

import { WEBHOOK_QUEUE } from '@plexhook/queue';
import { Worker } from 'bullmq';
import type { WorkerDeps } from './deps';
import { createPlexMetadataClient } from './plex/plex-metadata-client';
import { processPlexEvent } from './processors/plex-event.processor';

export type { WorkerDeps } from './deps';

export function createWebhookWorker(given: WorkerDeps): Worker {
  const deps: WorkerDeps = {
    ...given,
    plexMetadata:
      given.plexMetadata ??
      createPlexMetadataClient({
        timeoutMs: given.config.PLEX_METADATA_TIMEOUT_MS,
        ttlMs: given.config.PLEX_METADATA_CACHE_TTL_SECONDS * 1000,
        maxEntries: given.config.PLEX_METADATA_CACHE_MAX_ENTRIES,
        logger: given.logger,
      }),
  };
  const worker = new Worker(WEBHOOK_QUEUE, (job) => processPlexEvent(deps, job), {
    connection: deps.redis,
    prefix: deps.config.QUEUE_PREFIX,
    concurrency: deps.config.WORKER_CONCURRENCY,
    // A worker killed mid-job (kill -9, OOM) stops renewing its job lock; once the lock expires,
    // the next stalled-job check hands the job to another worker. Both are minutes-scale knobs
    // in production and seconds in the crash tests.
    lockDuration: deps.config.WORKER_LOCK_DURATION_MS,
    stalledInterval: deps.config.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: 2,
  });
  worker.on('error', (err) => deps.logger.error({ err: err.message }, 'worker error'));
  // LOG_LEVEL=debug traces every webhook's outcome (the log row has the details).
  worker.on('completed', (job, result) => deps.logger.debug({ jobId: job.id, ...result }, 'webhook handled'));
  worker.on('failed', (job, err) => {
    if (job) deps.logger.warn({ jobId: job.id, attempts: job.attemptsMade, err: err.message }, 'job failed');
  });
  return worker;
}

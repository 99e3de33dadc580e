import { clusterQueuePrefix, REDIS_ENV } from '@plexhook/queue';
import { z } from 'zod';

// The only place the worker reads the environment.
export const WorkerConfigSchema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/plexhook'),
  // REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_CLUSTER_NODES… (@plexhook/queue).
  ...REDIS_ENV,
  QUEUE_PREFIX: z.string().min(1).default('plexhook'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(16),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  DEDUPE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** `production` refuses a Redis without persistence (see REDIS_ALLOW_NO_PERSISTENCE). */
  NODE_ENV: z.string().default('development'),
  /** Start in production even though Redis has neither AOF nor snapshots. */
  REDIS_ALLOW_NO_PERSISTENCE: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Fetching a show's ids from the user's Plex server (first scrobble of a show only). Past
   * the timeout the worker matches by title instead: a slow server must not hold the queue.
   */
  PLEX_METADATA_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(2_000),
  PLEX_METADATA_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(3_600),
  PLEX_METADATA_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).default(1_000),
  /** BullMQ job lock; a crashed worker's jobs are taken over after it expires. */
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** How often workers look for stalled jobs (locks that expired). */
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(1_000).default(30_000),
  /**
   * How many times a job may be orphaned by a dying worker (kill -9, OOM, a blocked event loop
   * past the lock) and be taken over again. The next pickup logs it `failed` (retryable from the
   * page) instead of crash-looping the workers on it.
   */
  WORKER_MAX_STALLS: z.coerce.number().int().min(1).max(1000).default(10),
  /** How often the worker checks PostgreSQL (and, while it is down, when it may resume). */
  WORKER_DB_PROBE_INTERVAL_MS: z.coerce.number().int().min(100).default(2_000),
  /** How often BullMQ's failed set is swept for jobs that have no `failed` log row yet. */
  WORKER_DEAD_LETTER_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  /** Redis at maxmemory: the longest wait between write probes (exponential from 250 ms). */
  WORKER_REDIS_BACKOFF_MAX_MS: z.coerce.number().int().min(100).default(30_000),
  /** Redis at maxmemory: at most one error line per this interval (with a suppressed count). */
  WORKER_ERROR_LOG_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * Log retention (issue 17): plex_webhook_logs rows received more than this many days ago go,
   * a whole month at a time, except rows still needed (held on a conflict, unmended failures).
   * 0 keeps everything (months ahead are still created).
   */
  LOG_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(180),
  /** How often the retention job runs (a job scheduler: one run at a time across workers). */
  LOG_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /** Month partitions kept ready ahead of this one (an insert never fails: DEFAULT catches the rest). */
  LOG_PARTITIONS_AHEAD: z.coerce.number().int().min(0).max(24).default(2),
  /** How long SIGTERM waits for in-flight jobs before giving up (they are then retried). */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(20_000),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  // In cluster mode the queue prefix is hash-tagged ({plexhook}): BullMQ's keys share a slot.
  return clusterQueuePrefix(WorkerConfigSchema.parse(env));
}

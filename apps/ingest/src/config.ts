import { clusterQueuePrefix, REDIS_ENV } from '@plexhook/queue';
import { z } from 'zod';

// The only place ingest reads the environment.
export const IngestConfigSchema = z.object({
  /** `production` refuses a Redis without persistence (see REDIS_ALLOW_NO_PERSISTENCE). */
  NODE_ENV: z.string().default('development'),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/plexhook'),
  // REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_CLUSTER_NODES… (@plexhook/queue).
  ...REDIS_ENV,
  INGEST_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  QUEUE_PREFIX: z.string().min(1).default('plexhook'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seconds a secret lookup (hit or miss) is cached in memory. */
  SECRET_CACHE_TTL_SECONDS: z.coerce.number().min(0).default(30),
  /** Largest accepted `payload` field / JSON body, and `thumb` file. */
  PAYLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  THUMB_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  /** Failed authentications allowed per client IP per minute before answering 429. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(30),
  /** How long a request waits for Redis before the webhook goes to the spool. */
  ENQUEUE_TIMEOUT_MS: z.coerce.number().int().positive().default(1_000),
  /** First retry delay of a job (exponential: 9 attempts span 255 times this, about 4 min at
   * the default). A job's retry budget; tests shorten it so that an outage outlasts it. */
  JOB_BACKOFF_DELAY_MS: z.coerce.number().int().min(1).default(1_000),
  /** Durable fallback queue while Redis is unreachable; one directory per ingest process. */
  SPOOL_DIR: z.string().min(1).default('spool'),
  /** Past this the spool refuses (503): bounded disk use during a long outage. */
  SPOOL_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  /** How long SIGTERM waits for requests in flight before closing their connections. Below
   * Docker's default 10 s stop grace period, so ingest exits by itself. */
  INGEST_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(8_000),
  /** Start in production even though Redis has neither AOF nor snapshots (the queued backlog
   * is lost on a Redis restart). */
  REDIS_ALLOW_NO_PERSISTENCE: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
});
export type IngestConfig = z.infer<typeof IngestConfigSchema>;

export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  // In cluster mode the queue prefix is hash-tagged ({plexhook}): BullMQ's keys share a slot.
  return clusterQueuePrefix(IngestConfigSchema.parse(env));
}

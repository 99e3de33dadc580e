import { DEFAULT_MATCH_THRESHOLD } from '@plexhook/core';
import { z } from 'zod';

// The only place the worker reads the environment.
export const WorkerConfigSchema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/plexhook'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).default('plexhook'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(16),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  DEDUPE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Used when a user's plex_config has no threshold of its own. */
  DEFAULT_MATCH_THRESHOLD: z.coerce.number().min(0).max(1).default(DEFAULT_MATCH_THRESHOLD),
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
  /** How long SIGTERM waits for in-flight jobs before giving up (they are then retried). */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(20_000),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return WorkerConfigSchema.parse(env);
}

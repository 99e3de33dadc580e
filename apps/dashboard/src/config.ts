import { randomBytes } from 'node:crypto';
import { clusterQueuePrefix, REDIS_ENV } from '@plexhook/queue';
import { z } from 'zod';

// The only place the dashboard and its CLI read the environment.
export const CliConfigSchema = z.object({
  NODE_ENV: z.string().default('development'),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/plexhook'),
  // REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_CLUSTER_NODES… (@plexhook/queue).
  ...REDIS_ENV,
  /** Base of the webhook URLs printed for users (where ingest is reachable from Plex). */
  PUBLIC_WEBHOOK_URL: z.string().url().default('http://localhost:3000'),
  QUEUE_PREFIX: z.string().min(1).default('plexhook'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type CliConfig = z.infer<typeof CliConfigSchema>;

export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 10;

export const DashboardConfigSchema = CliConfigSchema.extend({
  /** A playback session with no event for its remaining runtime plus this reads as stopped. */
  PLAYBACK_STALE_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** Failed logins / wrong admin tokens per client address and minute before 429. */
  DASHBOARD_AUTH_FAILURES_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_AUTH_FAILURES_PER_MINUTE),
  // `ADMIN_TOKEN=` (empty, as .env files often have it) counts as unset.
  ADMIN_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  ),
}).transform((config, ctx) => {
  if (config.ADMIN_TOKEN) return { ...config, ADMIN_TOKEN: config.ADMIN_TOKEN, ADMIN_TOKEN_GENERATED: false };
  if (config.NODE_ENV === 'production') {
    ctx.addIssue({
      code: 'custom',
      path: ['ADMIN_TOKEN'],
      message: 'ADMIN_TOKEN is required when NODE_ENV=production',
    });
    return z.NEVER;
  }
  // Development only: a fresh token per start, printed once by main.ts.
  return { ...config, ADMIN_TOKEN: randomBytes(24).toString('base64url'), ADMIN_TOKEN_GENERATED: true };
});
export type DashboardConfig = z.infer<typeof DashboardConfigSchema>;

export function loadDashboardConfig(env: NodeJS.ProcessEnv = process.env): DashboardConfig {
  // In cluster mode the queue prefix is hash-tagged ({plexhook}): BullMQ's keys share a slot.
  return clusterQueuePrefix(DashboardConfigSchema.parse(env));
}

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  return clusterQueuePrefix(CliConfigSchema.parse(env));
}

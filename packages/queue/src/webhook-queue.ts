import { type DefaultJobOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const WEBHOOK_QUEUE = 'plex-webhooks';
export const WEBHOOK_JOB = 'plex-webhook';

/**
 * Where a job's payload comes from, which decides the adapter that reads it (the worker's
 * processors/adapters.ts): a media server's webhook body (`plex`, `jellyfin`, `emby`). Jobs
 * written before sources existed have none and are Plex's.
 */
export const JOB_SOURCES = ['plex', 'jellyfin', 'emby'] as const;
export type JobSource = (typeof JOB_SOURCES)[number];

/** What ingest puts on the queue: who, when, from where, and the body exactly as received. */
export const PlexWebhookJobSchema = z.object({
  userId: z.number().int().positive(),
  source: z.enum(JOB_SOURCES).default('plex'),
  receivedAt: z.iso.datetime(),
  payload: z.record(z.string(), z.unknown()),
  /** Set when a held scrobble is re-enqueued after its conflict was resolved. */
  replayOfLogId: z.number().int().positive().optional(),
});
export type PlexWebhookJob = z.infer<typeof PlexWebhookJobSchema>;
/** A job as it is added: `source` may be left out for Plex. */
export type PlexWebhookJobInput = z.input<typeof PlexWebhookJobSchema>;

/** The worker's return value (shown in Bull Board) and the webhook log row it wrote. */
export type PlexWebhookResult = {
  logId: number;
  status: string;
  action: string | null;
  message?: string;
};

export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  // Transient failures (database or Redis away) retry for about 4 minutes in all:
  // 1+2+4+...+128 s. Permanent ones throw UnrecoverableError and fail at once.
  attempts: 9,
  backoff: { type: 'exponential', delay: 1_000 },
  // Completed jobs are evidence only (the log row is the record): keep a bounded tail.
  removeOnComplete: { count: 5_000, age: 24 * 3600 },
  // Failed jobs stay for inspection and retry from Bull Board.
  removeOnFail: { age: 30 * 24 * 3600 },
};

export type WebhookQueue = Queue<PlexWebhookJobInput, PlexWebhookResult, typeof WEBHOOK_JOB>;

/**
 * `backoffDelayMs` replaces the first retry delay (1 s; the 9 attempts then span 255 times it).
 * Only tests set it: a short budget lets a CI-length outage outlast every attempt honestly.
 */
export function createWebhookQueue(
  connection: Redis,
  prefix: string,
  options: { backoffDelayMs?: number } = {},
): WebhookQueue {
  const defaultJobOptions =
    options.backoffDelayMs === undefined
      ? DEFAULT_JOB_OPTIONS
      : { ...DEFAULT_JOB_OPTIONS, backoff: { type: 'exponential', delay: options.backoffDelayMs } };
  return new Queue<PlexWebhookJobInput, PlexWebhookResult, typeof WEBHOOK_JOB>(WEBHOOK_QUEUE, {
    connection,
    prefix,
    defaultJobOptions,
  });
}

export async function enqueueWebhook(
  queue: WebhookQueue,
  jobId: string,
  job: PlexWebhookJobInput,
): Promise<void> {
  // Validate at both ends: nothing malformed reaches Redis.
  const data = PlexWebhookJobSchema.parse(job);
  await queue.add(WEBHOOK_JOB, data, { jobId });
}

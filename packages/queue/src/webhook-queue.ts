import { type DefaultJobOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const WEBHOOK_QUEUE = 'plex-webhooks';
export const WEBHOOK_JOB = 'plex-webhook';

/** What ingest puts on the queue: who, when, and Plex's JSON exactly as received. */
export const PlexWebhookJobSchema = z.object({
  userId: z.number().int().positive(),
  receivedAt: z.iso.datetime(),
  payload: z.record(z.string(), z.unknown()),
  /** Set when a held scrobble is re-enqueued after its conflict was resolved. */
  replayOfLogId: z.number().int().positive().optional(),
});
export type PlexWebhookJob = z.infer<typeof PlexWebhookJobSchema>;

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

export type WebhookQueue = Queue<PlexWebhookJob, PlexWebhookResult, typeof WEBHOOK_JOB>;

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
  return new Queue<PlexWebhookJob, PlexWebhookResult, typeof WEBHOOK_JOB>(WEBHOOK_QUEUE, {
    connection,
    prefix,
    defaultJobOptions,
  });
}

export async function enqueueWebhook(queue: WebhookQueue, jobId: string, job: PlexWebhookJob): Promise<void> {
  // Validate at both ends: nothing malformed reaches Redis.
  const data = PlexWebhookJobSchema.parse(job);
  await queue.add(WEBHOOK_JOB, data, { jobId });
}

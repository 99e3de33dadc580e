import { type DefaultJobOptions, Queue } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { z } from 'zod';
import { type RedisClient, replicasToWaitFor } from './redis';
import { hashTagPrefix } from './redis-config';

export const WEBHOOK_QUEUE = 'plex-webhooks';
export const WEBHOOK_JOB = 'plex-webhook';

/**
 * Where a job's payload comes from, which decides the adapter that reads it (the worker's
 * processors/adapters.ts): a media server's webhook body (`plex`, `jellyfin`, `emby`), or a
 * row of the Plex server's play history (`plex-history`) or a manual mark found in its
 * libraries (`plex-mark`), each with its show's metadata. Jobs written before sources existed
 * have none and are Plex's.
 */
export const JOB_SOURCES = ['plex', 'jellyfin', 'emby', 'plex-history', 'plex-mark'] as const;
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
  connection: RedisClient,
  prefix: string,
  options: { backoffDelayMs?: number } = {},
): WebhookQueue {
  const defaultJobOptions =
    options.backoffDelayMs === undefined
      ? DEFAULT_JOB_OPTIONS
      : { ...DEFAULT_JOB_OPTIONS, backoff: { type: 'exponential', delay: options.backoffDelayMs } };
  const queue = new Queue<PlexWebhookJobInput, PlexWebhookResult, typeof WEBHOOK_JOB>(WEBHOOK_QUEUE, {
    connection,
    // A Cluster needs the queue's keys in one slot (the apps' configs tag it already).
    prefix: connection instanceof Cluster ? hashTagPrefix(prefix) : prefix,
    defaultJobOptions,
  });
  connections.set(queue, connection);
  return queue;
}

const connections = new WeakMap<object, RedisClient>();
/** The WAIT in flight per connection: later callers whose writes it covers share it. */
const waits = new WeakMap<object, Promise<number>>();

/**
 * Resolves once `replicas` replicas have every write this connection made so far (`WAIT`), and
 * throws when fewer confirm within `timeoutMs`. One connection answers in order, so a write
 * that has completed while a WAIT is outstanding was sent before it and is covered by it:
 * concurrent callers share the WAIT in flight (a group commit) instead of queueing one each
 * behind a blocking command.
 */
export async function waitForReplicas(
  connection: RedisClient,
  replicas: number,
  timeoutMs: number,
): Promise<void> {
  let wait = waits.get(connection);
  if (!wait) {
    wait = (connection as Redis).wait(replicas, timeoutMs);
    waits.set(connection, wait);
    const clear = () => {
      if (waits.get(connection) === wait) waits.delete(connection);
    };
    wait.then(clear, clear);
  }
  const acked = await wait;
  if (acked < replicas) {
    throw new Error(`only ${acked} of ${replicas} Redis replicas confirmed the job within ${timeoutMs} ms`);
  }
}

/** How long ingest waits for replicas (REDIS_WAIT_REPLICAS) before spooling a webhook. */
export const REPLICA_WAIT_TIMEOUT_MS = 500;

export async function enqueueWebhook(
  queue: WebhookQueue,
  jobId: string,
  job: PlexWebhookJobInput,
): Promise<void> {
  // Validate at both ends: nothing malformed reaches Redis.
  const data = PlexWebhookJobSchema.parse(job);
  await queue.add(WEBHOOK_JOB, data, { jobId });
  // With REDIS_WAIT_REPLICAS, accepted means replicated: a master that dies before its replica
  // has the job would lose it in the failover. Throwing here makes ingest spool the webhook
  // (same job id: a second add of a job that did survive is ignored, and a job run twice is
  // logged once by its unique job_id).
  const connection = connections.get(queue);
  const replicas = connection ? replicasToWaitFor(connection) : 0;
  if (connection && replicas > 0) await waitForReplicas(connection, replicas, REPLICA_WAIT_TIMEOUT_MS);
}

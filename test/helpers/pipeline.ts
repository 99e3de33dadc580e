// The real pipeline in one test process: ingest app (HTTP) -> BullMQ queue -> worker, on a
// database and queue prefix of the suite's own.
import { createUserWithSecret, type Db, type PlexWebhookLog } from '@plexhook/db';
import {
  createIngestApp,
  createIngestMetrics,
  createSecretLookup,
  IngestConfigSchema,
} from '@plexhook/ingest';
import { createRedis } from '@plexhook/queue';
import { createWebhookWorker, type WorkerConfig, WorkerConfigSchema } from '@plexhook/worker';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { createTestDb, type TestDb } from './db';
import { type Listening, listen } from './http';
import { createTestQueue, TEST_REDIS_URL, type TestQueue } from './redis';
import { waitFor } from './wait';

export type Pipeline = {
  t: TestDb;
  q: TestQueue;
  db: Db;
  ingest: Listening;
  worker: Worker | null;
  workerConfig: WorkerConfig;
  startWorker(): Worker;
  /** POSTs a webhook as Plex does (multipart `payload`) and returns the job id. */
  send(payload: unknown, secret: string): Promise<string>;
  /** Waits for the log row of a job. */
  logOf(jobId: string): Promise<PlexWebhookLog>;
  createUser(name?: string): Promise<{ id: number; secret: string }>;
  close(): Promise<void>;
};

export async function startPipeline(
  label: string,
  workerEnv: Record<string, string> = {},
): Promise<Pipeline> {
  const [t, q] = await Promise.all([createTestDb(label), createTestQueue(label)]);
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = createIngestApp({
    config: IngestConfigSchema.parse({}),
    pool: t.pool,
    redis: q.redis,
    queue: q.queue,
    logger,
    metrics: createIngestMetrics(),
    lookupSecret: createSecretLookup(t.pool, 30_000),
  });
  const ingest = await listen(app);
  const workerConfig = WorkerConfigSchema.parse({
    QUEUE_PREFIX: q.prefix,
    WORKER_CONCURRENCY: '4',
    ...workerEnv,
  });
  const workerRedis: Redis[] = [];

  const p: Pipeline = {
    t,
    q,
    db: t.db,
    ingest,
    worker: null,
    workerConfig,
    startWorker() {
      const redis = createRedis(TEST_REDIS_URL, 'worker');
      workerRedis.push(redis);
      p.worker = createWebhookWorker({ db: t.db, redis, logger, config: workerConfig });
      return p.worker;
    },
    async send(payload, secret) {
      const form = new FormData();
      form.set('payload', JSON.stringify(payload));
      const res = await fetch(`${ingest.url}/api/plex/webhook?secret=${encodeURIComponent(secret)}`, {
        method: 'POST',
        body: form,
      });
      const body = (await res.json()) as { id?: string; error?: string };
      if (res.status !== 200 || !body.id) throw new Error(`ingest answered ${res.status}: ${body.error}`);
      return body.id;
    },
    logOf(jobId) {
      return waitFor(() => t.db.plexWebhookLog.findFirst({ where: { jobId } }));
    },
    async createUser(name = 'alice') {
      const u = await createUserWithSecret(t.db, name);
      return { id: u.id, secret: u.secret };
    },
    async close() {
      await p.worker?.close();
      for (const r of workerRedis) r.disconnect();
      await ingest.close();
      await Promise.all([q.cleanup(), t.drop()]);
    },
  };
  return p;
}

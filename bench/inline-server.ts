// The "no queue" alternative: a bench-only Express app that authenticates and parses the
// webhook as ingest does, then does the worker's whole job inside the request (the worker's
// own processPlexEvent: idempotency check, payload parse, handleWatchEvent with dedupe and
// matching, log row + watch in one transaction) before answering. Compared with ingest, it
// shows what the queue buys at the edge.

import { randomUUID } from 'node:crypto';
import { createPrismaClient, createWorkerStore } from '@plexhook/db';
import { createPgPool } from '@plexhook/db/src/lite';
import { createSecretLookup, IngestConfigSchema } from '@plexhook/ingest';
import { createRedis } from '@plexhook/queue';
import { processPlexEvent, WorkerConfigSchema } from '@plexhook/worker';
import type { Job } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import pino from 'pino';

const port = Number(process.env.PORT ?? 0);
const ingestConfig = IngestConfigSchema.parse(process.env);
const config = WorkerConfigSchema.parse(process.env);
const logger = pino({ name: 'inline', level: config.LOG_LEVEL });
// The worker's pool rule (concurrency + 2) at its default concurrency of 16.
const db = createPrismaClient(config.DATABASE_URL, { poolMax: config.WORKER_CONCURRENCY + 2 });
const redis = createRedis(config.REDIS_URL, 'worker', logger);
const deps = { db, store: createWorkerStore(db), redis, logger, config };
const lookupSecret = createSecretLookup(
  createPgPool(config.DATABASE_URL),
  ingestConfig.SECRET_CACHE_TTL_SECONDS * 1000,
);

// The same limits as ingest's route.
const upload = multer({
  storage: multer.memoryStorage(),
  limits: {
    fieldSize: ingestConfig.PAYLOAD_MAX_BYTES,
    fieldNameSize: 100,
    fields: 5,
    fileSize: ingestConfig.THUMB_MAX_BYTES,
    files: 1,
    parts: 6,
    headerPairs: 100,
  },
}).fields([{ name: 'thumb', maxCount: 1 }]);

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post(
  '/api/plex/webhook',
  async (req: Request, res: Response, next: NextFunction) => {
    const secret = req.query.secret;
    const userId = typeof secret === 'string' ? await lookupSecret(secret) : null;
    if (userId === null) {
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    res.locals.userId = userId;
    next();
  },
  upload,
  async (req: Request, res: Response) => {
    const payload = JSON.parse((req.body as { payload: string }).payload) as Record<string, unknown>;
    // What BullMQ would hand the processor: one attempt, so a failure is recorded at once.
    const job = {
      id: randomUUID(),
      timestamp: Date.now(),
      attemptsMade: 0,
      opts: { attempts: 1 },
      data: { userId: res.locals.userId as number, receivedAt: new Date().toISOString(), payload },
    } as unknown as Job;
    const result = await processPlexEvent(deps, job);
    res.json({ status: 'done', id: job.id, action: result.action });
  },
);
app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
  logger.error({ err: err instanceof Error ? err.message : String(err) }, 'inline request failed');
  res.status(500).json({ error: 'failed' });
});
const server = app.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`inline listening on ${typeof addr === 'object' && addr ? addr.port : port}`);
});
process.on('SIGTERM', () =>
  server.close(() => {
    redis.disconnect();
    void db.$disconnect().then(() => process.exit(0));
  }),
);

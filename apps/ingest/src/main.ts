import { createPrismaClient } from '@plexhook/db';
import { createRedis, createWebhookQueue } from '@plexhook/queue';
import pino from 'pino';
import { createIngestApp } from './app';
import { loadIngestConfig } from './config';
import { createIngestMetrics } from './metrics';
import { createSecretLookup } from './secret-cache';

const config = loadIngestConfig();
const logger = pino({ name: 'ingest', level: config.LOG_LEVEL, redact: ['req.query.secret', 'secret'] });
const db = createPrismaClient(config.DATABASE_URL, { poolMax: 10 });
const redis = createRedis(config.REDIS_URL, 'producer', logger);
const queue = createWebhookQueue(redis, config.QUEUE_PREFIX);
queue.on('error', (err) => logger.error({ err: err.message }, 'queue error'));
const metrics = createIngestMetrics();
const lookupSecret = createSecretLookup(db, config.SECRET_CACHE_TTL_SECONDS * 1000);

const app = createIngestApp({ config, db, redis, queue, logger, metrics, lookupSecret });
const server = app.listen(config.INGEST_PORT, () => {
  logger.info({ port: config.INGEST_PORT }, `ingest listening on http://localhost:${config.INGEST_PORT}`);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // HTTP first (no new webhooks), then the queue connection, then the database.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await queue.close().catch(() => undefined);
  redis.disconnect();
  await db.$disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createPgPool } from '@plexhook/db/src/lite';
import { createRedis, createWebhookQueue } from '@plexhook/queue';
import pino from 'pino';
import { createIngestApp } from './app';
import { loadIngestConfig } from './config';
import { createIngestMetrics } from './metrics';
import { createSecretLookup } from './secret-cache';
import { Spool } from './spool';
import { startSpoolDrainer } from './spool-drainer';

async function main(): Promise<void> {
  const config = loadIngestConfig();
  const logger = pino({ name: 'ingest', level: config.LOG_LEVEL, redact: ['req.query.secret', 'secret'] });
  const pool = createPgPool(config.DATABASE_URL, { max: 5 });
  const redis = createRedis(config.REDIS_URL, 'producer', logger);
  const queue = createWebhookQueue(redis, config.QUEUE_PREFIX);
  queue.on('error', (err) => logger.error({ err: err.message }, 'queue error'));
  const metrics = createIngestMetrics();
  const lookupSecret = createSecretLookup(pool, config.SECRET_CACHE_TTL_SECONDS * 1000);

  const spool = new Spool(resolve(config.SPOOL_DIR), config.SPOOL_MAX_BYTES, logger);
  await spool.init();
  if (spool.size > 0) {
    logger.warn({ bytes: spool.size }, 'spooled webhooks found: they are queued as soon as Redis answers');
  }
  const stopDrainer = startSpoolDrainer({ spool, queue, redis, logger });

  const app = createIngestApp({ config, pool, redis, queue, logger, metrics, lookupSecret, spool });
  const server = app.listen(config.INGEST_PORT, () => {
    // The bound port, not the configured one: INGEST_PORT=0 picks a free port (tests, benches).
    const { port } = server.address() as AddressInfo;
    logger.info({ port }, `ingest listening on http://localhost:${port}`);
  });

  let stopping = false;
  async function shutdown(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // HTTP first (no new webhooks), then the spool and queue, then the database.
    await new Promise<void>((done) => server.close(() => done()));
    await stopDrainer();
    await spool.close();
    await queue.close().catch(() => undefined);
    redis.disconnect();
    await pool.end();
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('ingest failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createPgPool } from '@plexhook/db/src/lite';
import { createRedis, createWebhookQueue, enforceRedisPersistence, OutageLog } from '@plexhook/queue';
import pino from 'pino';
import { createIngestApp } from './app';
import { loadIngestConfig } from './config';
import { trackConnections } from './graceful-close';
import { createIngestMetrics } from './metrics';
import { createSecretLookup } from './secret-cache';
import { Spool } from './spool';
import { startSpoolDrainer } from './spool-drainer';

async function main(): Promise<void> {
  const config = loadIngestConfig();
  const logger = pino({ name: 'ingest', level: config.LOG_LEVEL, redact: ['req.query.secret', 'secret'] });
  const pool = createPgPool(config.DATABASE_URL, { max: 5 });
  // One outage, one line per interval, from the connection and the queue together.
  const redisOutage = new OutageLog(logger, 'redis');
  const redis = createRedis(config, 'producer', logger, redisOutage);
  const queue = createWebhookQueue(redis, config.QUEUE_PREFIX, {
    backoffDelayMs: config.JOB_BACKOFF_DELAY_MS,
  });
  queue.on('error', (err) =>
    redisOutage.handle(err, (e) => logger.error({ err: e.message }, 'queue error'), { from: 'queue' }),
  );
  // Before anything is accepted: a Redis that loses its backlog on restart is refused in
  // production (throws) and warned about loudly elsewhere. A Redis that is down now is only
  // logged: ingest spools meanwhile, so it must still start.
  await enforceRedisPersistence(redis, {
    production: config.NODE_ENV === 'production',
    allowNoPersistence: config.REDIS_ALLOW_NO_PERSISTENCE,
    logger,
    timeoutMs: 3_000,
  });
  const metrics = createIngestMetrics();
  const lookupSecret = createSecretLookup(pool, config.SECRET_CACHE_TTL_SECONDS * 1000, {
    logger,
    onStale: () => metrics.secretStale.inc(),
  });

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
  const http = trackConnections(server);

  let stopping = false;
  async function shutdown(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info({ signal, timeoutMs: config.INGEST_SHUTDOWN_TIMEOUT_MS }, 'shutting down');
    // Whatever hangs below (Redis or PostgreSQL not answering), the process ends.
    setTimeout(() => {
      logger.error({ ms: Date.now() - started }, 'shutdown took too long: exiting');
      process.exit(1);
    }, config.INGEST_SHUTDOWN_TIMEOUT_MS + 5_000).unref();
    // HTTP first (no new webhooks, in-flight ones answered), then the spool (every appended
    // webhook fsync'ed; what is left is drained at the next start) and queue, then the database.
    const { forced } = await http.close(config.INGEST_SHUTDOWN_TIMEOUT_MS);
    logger.info({ ms: Date.now() - started, forced }, 'http server closed');
    await stopDrainer();
    await spool.close();
    if (spool.size > 0) logger.info({ bytes: spool.size }, 'spool kept on disk for the next start');
    await queue.close().catch(() => undefined);
    redis.disconnect();
    await pool.end();
    logger.info({ ms: Date.now() - started }, 'stopped');
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('ingest failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});

import { createServer } from 'node:http';
import { createPrismaClient, createWorkerStore } from '@plexhook/db';
import { createRedis, enforceRedisPersistence, OutageLog } from '@plexhook/queue';
import pino from 'pino';
import { loadWorkerConfig } from './config';
import { createWorkerMetrics } from './metrics';
import { createHistoryWorker } from './processors/history-sync.processor';
import { startLogRetention } from './retention';
import { createWebhookWorker } from './worker';

const config = loadWorkerConfig();
const logger = pino({ name: 'worker', level: config.LOG_LEVEL });
// Enough connections for every concurrent job plus the odd transaction.
const db = createPrismaClient(config.DATABASE_URL, { poolMax: Math.min(config.WORKER_CONCURRENCY + 2, 50) });
// One outage, one line per interval, from the connection, the queue and the worker together.
const redisOutage = new OutageLog(logger, 'redis', config.WORKER_ERROR_LOG_INTERVAL_MS);
const redis = createRedis(config, 'worker', logger, redisOutage);
// The backlog lives only in Redis: the same start-up check as ingest (refused in production
// without persistence unless REDIS_ALLOW_NO_PERSISTENCE, loud elsewhere). A Redis that is down
// now is only logged; the worker waits for it.
void enforceRedisPersistence(redis, {
  production: config.NODE_ENV === 'production',
  allowNoPersistence: config.REDIS_ALLOW_NO_PERSISTENCE,
  logger,
  timeoutMs: 3_000,
}).catch((err: Error) => {
  logger.fatal({ err: err.message }, 'refusing to start');
  process.exit(1);
});
// Every statement the worker runs, with its group commits: one store for the process.
const store = createWorkerStore(db);
const worker = createWebhookWorker({ db, store, redis, logger, config, redisOutage });
const registry = createWorkerMetrics(worker);
// Log retention: partitions ahead, old months dropped (retention.ts), one run at a time.
// Both report Redis errors the webhook worker's way and pause with it (Redis at maxmemory).
const { reportRedisError } = worker.health;
const retention = startLogRetention({ db, redis, logger, config, reportRedisError });
worker.health.gate.attach(retention.worker);
// Plex history sync (issue 15): its own queue, a job scheduler per user with a Plex server.
const history = createHistoryWorker({
  db,
  store,
  redis,
  logger,
  prefix: config.QUEUE_PREFIX,
  reportRedisError,
});
worker.health.gate.attach(history.worker);

const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  } else if (req.url === '/readyz') {
    // Not ready while PostgreSQL is unreachable or Redis refuses writes: the worker is paused.
    const { health } = worker;
    const ready = health.ready();
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: ready ? 'ready' : 'not ready',
        database: health.db.up ? 'up' : 'unreachable',
        redis: health.redisMemory.oom ? 'maxmemory' : redis.status,
        paused: health.gate.held,
      }),
    );
  } else if (req.url === '/healthz') {
    // A Redis client that has ended never reconnects (ingest's /healthz says the same): dead.
    const running = worker.isRunning() && redis.status !== 'end';
    res.writeHead(running ? 200 : 503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ status: running ? 'ok' : redis.status === 'end' ? 'redis client ended' : 'stopped' }),
    );
  } else {
    res.writeHead(404).end();
  }
});
server.listen(config.WORKER_METRICS_PORT, () => {
  // The bound port (0 in tests means any free one).
  const address = server.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.WORKER_METRICS_PORT;
  logger.info({ concurrency: config.WORKER_CONCURRENCY, metricsPort }, 'worker started');
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing in-flight jobs');
  server.close();
  // worker.close() waits for active jobs without a limit; past the timeout we leave, and
  // BullMQ's stalled-job check hands the unfinished ones to another worker.
  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), config.SHUTDOWN_TIMEOUT_MS).unref(),
  );
  // A history run cut short keeps its cursor (it moves only once a page is logged): first, so
  // the webhook worker still logs the rows it waits for.
  await Promise.race([history.close().catch(() => undefined), timeout]);
  const result = await Promise.race([worker.close().then(() => 'closed' as const), timeout]);
  if (result === 'timeout') logger.warn('in-flight jobs did not finish in time; they will be retried');
  // A retention run in progress is one transaction per step: cut short, it is redone next time.
  await Promise.race([retention.close().catch(() => undefined), timeout]);
  redis.disconnect();
  await db.$disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

import { createPrismaClient } from '@plexhook/db';
import { createRedis, createWebhookQueue, OutageLog } from '@plexhook/queue';
import pino from 'pino';
import { BULL_BOARD_PATH, createDashboardApp } from './app';
import { loadDashboardConfig } from './config';

const config = loadDashboardConfig();
const logger = pino({
  name: 'dashboard',
  level: config.LOG_LEVEL,
  redact: ['secret', 'webhookUrl', 'ADMIN_TOKEN'],
});
const db = createPrismaClient(config.DATABASE_URL, { poolMax: 5 });
// One outage, one line per interval, from the connection and the queue together.
const redisOutage = new OutageLog(logger, 'redis');
const redis = createRedis(config, 'producer', logger, redisOutage);
const queue = createWebhookQueue(redis, config.QUEUE_PREFIX);
queue.on('error', (err) =>
  redisOutage.handle(err, (e) => logger.error({ err: e.message }, 'queue error'), { from: 'queue' }),
);

const app = createDashboardApp({ db, redis, queue, logger, config });
const server = app.listen(config.DASHBOARD_PORT, () => {
  const base = `http://localhost:${config.DASHBOARD_PORT}`;
  logger.info(
    { port: config.DASHBOARD_PORT },
    `dashboard listening on ${base} (Bull Board: ${base}${BULL_BOARD_PATH})`,
  );
  if (config.ADMIN_TOKEN_GENERATED) {
    // Printed once, to the terminal only (not through the logger): set ADMIN_TOKEN to keep one.
    process.stdout.write(
      `\nNo ADMIN_TOKEN set: generated one for this run (development only):\n  ${config.ADMIN_TOKEN}\n` +
        `Use "Authorization: Bearer <token>" for /api, or any user name + the token as password for ${BULL_BOARD_PATH}.\n\n`,
    );
  }
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // HTTP first (no new requests), then the queue connection, then the database.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await queue.close().catch(() => undefined);
  redis.disconnect();
  await db.$disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

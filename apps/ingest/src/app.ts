import { toHttpError } from '@plexhook/core';
import { pingDatabase } from '@plexhook/db/src/lite';
import type { RedisClient, WebhookQueue } from '@plexhook/queue';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { IngestConfig } from './config';
import { redactPath } from './log-path';
import type { IngestMetrics } from './metrics';
import { WEBHOOK_PATHS, webhookRouter } from './routes/webhook';
import type { SecretLookup } from './secret-cache';
import type { Spool } from './spool';

export type IngestDeps = {
  config: IngestConfig;
  /** Plain pg (see @plexhook/db/src/lite): ingest never loads the Prisma client. */
  pool: Pool;
  redis: RedisClient;
  queue: WebhookQueue;
  logger: Logger;
  metrics: IngestMetrics;
  lookupSecret: SecretLookup;
  spool?: Spool;
};

export function createIngestApp(deps: IngestDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Every answer is small and unique (a fresh job id): an ETag would be a SHA-1 per response
  // for nothing.
  app.set('etag', false);
  app.set('trust proxy', 'loopback');

  // One line per request. Only the path is logged (the query string carries the secret), and
  // redacted: a mistyped URL can carry the secret in the path. The line is only built when its
  // level is enabled (successes log at debug).
  const { requests } = deps.metrics;
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('finish', () => {
      const status = res.statusCode;
      if (WEBHOOK_PATHS.has(req.path)) requests.inc({ status: String(status) });
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'debug';
      if (!deps.logger.isLevelEnabled(level)) return;
      deps.logger[level](
        {
          method: req.method,
          path: redactPath(req.path),
          status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ip: req.ip,
        },
        'request',
      );
    });
    next();
  });

  // The webhooks first: media servers are no browsers, so browser-hardening headers would only
  // cost time on the hot path. Everything after them gets them.
  app.use(webhookRouter(deps));
  app.use(helmet());

  // Alive unless the Redis client has ended: ioredis then never reconnects (a failover edge,
  // ARCHITECTURE.md "Redis topologies"), and every webhook would be spooled with nothing left to
  // drain it. 503 lets the orchestrator restart the process; the next one drains the spool. An
  // ordinary Redis outage (connecting, reconnecting) stays 200: the spool covers it.
  app.get('/healthz', (_req, res) => {
    if (deps.redis.status === 'end') {
      res.status(503).json({ status: 'redis client ended: restart the process' });
      return;
    }
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [redis, db] = await Promise.allSettled([deps.redis.ping(), pingDatabase(deps.pool)]);
    const ready = redis.status === 'fulfilled' && db.status === 'fulfilled';
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      redis: redis.status === 'fulfilled' ? 'ok' : 'unreachable',
      database: db.status === 'fulfilled' ? 'ok' : 'unreachable',
    });
  });
  app.get('/metrics', async (_req, res) => {
    deps.metrics.spoolBytes.set(deps.spool?.size ?? 0);
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const httpErr = toHttpError(err);
    if (httpErr.status >= 500) {
      deps.logger.error(
        { err: err instanceof Error ? err.message : String(err), path: redactPath(req.path) },
        'request failed',
      );
    }
    // Already answered (the body budget's 413 on a connection it then closed).
    if (res.headersSent) return;
    // Answered before the body was read to its end (size, secret, rate limit, a parser giving
    // up): close the connection, or Node reads whatever the client still sends to keep it
    // alive, however large.
    if (!req.complete) res.setHeader('Connection', 'close');
    res.status(httpErr.status).json({ error: httpErr.message });
  });
  return app;
}

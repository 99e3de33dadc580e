import { toHttpError } from '@plexhook/core';
import type { Db } from '@plexhook/db';
import type { RedisClient, WebhookQueue } from '@plexhook/queue';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { createAuthFailures, requireAdmin } from './auth';
import { BULL_BOARD_PATH, createBullBoardRouter } from './bull-board';
import { type DashboardConfig, DEFAULT_AUTH_FAILURES_PER_MINUTE } from './config';
import { refuseCrossSite, requireJsonBody } from './cross-site';
import { apiRouter } from './routes/api';
import { createWebRouter } from './web/router';
import { createSessionManager } from './web/session';

export type DashboardDeps = {
  db: Db;
  redis: RedisClient;
  queue: WebhookQueue;
  logger: Logger;
  config: Pick<DashboardConfig, 'ADMIN_TOKEN' | 'PUBLIC_WEBHOOK_URL'> &
    Partial<Pick<DashboardConfig, 'DASHBOARD_AUTH_FAILURES_PER_MINUTE'>>;
};

export { BULL_BOARD_PATH };

export function createDashboardApp(deps: DashboardDeps): express.Express {
  const app = express();
  // One count of failed authentications for the page's login, the API and Bull Board.
  const authFailures = createAuthFailures(
    deps.config.DASHBOARD_AUTH_FAILURES_PER_MINUTE ?? DEFAULT_AUTH_FAILURES_PER_MINUTE,
  );
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // helmet's default CSP, without two things:
  // - upgrade-insecure-requests: on a plain-http LAN host (the usual self-hosted setup) the
  //   browser would fetch Bull Board's scripts over https and show nothing;
  // - `https:` in style-src and font-src: the page and Bull Board load nothing from a third
  //   party (Bull Board's Google Fonts link is removed, bull-board.ts), and the policy says so.
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          upgradeInsecureRequests: null,
          styleSrc: ["'self'", "'unsafe-inline'"],
          fontSrc: ["'self'", 'data:'],
        },
      },
    }),
  );

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug';
      deps.logger[level](
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  });

  // Every POST/PUT/PATCH/DELETE of the API, Bull Board and the page (whose forms also carry a
  // CSRF token): a request another site's page made is refused before anything else.
  app.use(refuseCrossSite(deps.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // One set of page sessions: the page's login also opens Bull Board, a logout closes both.
  const sessions = createSessionManager(deps.config.ADMIN_TOKEN);

  // Bull Board has no auth of its own: ours goes in front (the page's session, or basic auth
  // so a browser can log in without the page, or a bearer token).
  app.use(
    BULL_BOARD_PATH,
    requireAdmin(deps.config.ADMIN_TOKEN, authFailures, {
      browser: true,
      session: (req) => sessions.readSession(req) !== null,
    }),
    createBullBoardRouter(deps),
  );

  app.use('/api', requireAdmin(deps.config.ADMIN_TOKEN, authFailures), requireJsonBody, apiRouter(deps));
  // The web page (/, /login, /logout, its forms and assets): session cookie + CSRF, see web/.
  app.use(createWebRouter({ ...deps, authFailures, sessions }));

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const httpErr = toHttpError(err);
    if (httpErr.status >= 500) {
      deps.logger.error(
        { err: err instanceof Error ? err.message : String(err), path: req.path },
        'request failed',
      );
    }
    res.status(httpErr.status).json({ error: httpErr.message });
  });
  return app;
}

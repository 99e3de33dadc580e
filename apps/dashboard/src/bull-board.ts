// Bull Board, mounted behind our auth. Its own handlers are wrapped so that bad input gets a
// plain 4xx and a failure a 500 without a stack trace or file paths (Bull Board puts the stack
// in its error bodies when NODE_ENV=development, our default).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { AppViewRoute, ControllerHandlerReturnType, HTTPStatus } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import { HttpError, toHttpError } from '@plexhook/core';
import type { WebhookQueue } from '@plexhook/queue';
import { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { requireJsonBody } from './cross-site';

export const BULL_BOARD_PATH = '/admin/queues';

export type BullBoardDeps = { queue: WebhookQueue; logger: Logger };

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * Elements of the page that load from another origin (Bull Board 9 links Google Fonts' CSS;
 * its own stylesheet falls back to system fonts). Nothing of the board may reach a third party,
 * and the page must work offline.
 */
const EXTERNAL_RESOURCE =
  /<(?:link|script)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?\/\/[^>]*>(?:\s*<\/script>)?\s*/gi;

export function withoutExternalResources(html: string): string {
  return html.replace(EXTERNAL_RESOURCE, '');
}

/** Bull Board's Express adapter, with its entry page rendered without external resources. */
class OfflineExpressAdapter extends ExpressAdapter {
  override setEntryRoute(routeDef: AppViewRoute): ExpressAdapter {
    // As the adapter's own handler, with the rendered page filtered before it is sent.
    this.app[routeDef.method](routeDef.route, (_req: Request, res: Response, next: NextFunction) => {
      const { name, params } = routeDef.handler({ basePath: this.basePath, uiConfig: this.uiConfig });
      this.app.render(name, params, (err: Error | null, html?: string) => {
        if (err) next(err);
        else res.type('html').send(withoutExternalResources(html ?? ''));
      });
    });
    return this;
  }
}

/** The board's router, to be mounted at BULL_BOARD_PATH behind the admin auth. */
export function createBullBoardRouter(deps: BullBoardDeps): Router {
  const board = new OfflineExpressAdapter();
  board.setBasePath(BULL_BOARD_PATH);
  // The queue's typed generics are narrower than the adapter's `Queue`; the runtime object is one.
  createBullBoard({ queues: [new BullMQAdapter(deps.queue as never)], serverAdapter: board });
  // Replaces Bull Board's own handler (which adds the stack trace in development): the status
  // and message of a client mistake, a bare "internal error" for anything else, in its body shape.
  board.setErrorHandler((err: Error): ControllerHandlerReturnType => {
    const httpErr = toHttpError(err);
    if (httpErr.status >= 500) deps.logger.error({ err: err.message }, 'Bull Board request failed');
    return {
      status: httpErr.status as HTTPStatus,
      body: { error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' }, message: httpErr.message },
    };
  });

  const queueNames = new Set([deps.queue.name]);
  const router = Router();
  // Its mutating API takes JSON only (a cross-site page cannot send JSON without a preflight).
  router.use(requireJsonBody);
  // Bull Board runs decodeURIComponent on activeQueue itself, and a malformed escape ("%")
  // throws there as a 500. Only the name of a queue on this board is taken.
  router.get('/api/queues', (req: Request, _res: Response, next: NextFunction) => {
    const active = req.query.activeQueue;
    if (active !== undefined && active !== '') {
      const name = typeof active === 'string' ? safeDecode(active) : null;
      if (name === null || !queueNames.has(name)) {
        throw new HttpError(400, 'activeQueue must be the name of a queue on this board');
      }
    }
    next();
  });
  router.use(board.getRouter() as Router);
  return router;
}

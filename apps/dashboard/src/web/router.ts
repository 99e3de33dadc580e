// The web page: server-rendered HTML over the same services and repositories as the JSON API.
// Browser auth is a signed session cookie obtained by pasting ADMIN_TOKEN at /login; every
// POST carries the session's CSRF token; every POST answers with a redirect (POST-redirect-GET)
// and a one-shot flash message.
import { join } from 'node:path';
import { HttpError, toHttpError } from '@plexhook/core';
import {
  type ConflictWithHeld,
  type Db,
  deleteMapping,
  findMovieRef,
  findShowRef,
  getConflict,
  getMapping,
  getMovieMapping,
  getWebhookStats,
  listConflicts,
  listMappings,
  listRatings,
  listWebhookLogs,
  userNamesById,
  type WebhookStatus,
  webhookLogsOfJobs,
} from '@plexhook/db';
import type { WebhookQueue } from '@plexhook/queue';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type AuthFailures, tokenMatches } from '../auth';
import { DEFAULT_STALE_GRACE_SECONDS, playbackPanels } from '../services/playback';
import { syncNow } from '../services/plex-import';
import { type ResolveResult, resolveConflict } from '../services/resolve-conflict';
import { retryJobId, retryWebhookLog } from '../services/retry-webhook';
import { int4Param, parseInput } from '../validation';
import { historyPanel } from './history-view';
import { getHourlyWebhookCounts } from './hourly-stats';
import type { SafeHtml } from './html';
import { playbackJsonOf } from './playback-view';
import { createSessionManager, type SessionManager, type WebSession } from './session';
import {
  ASSETS_PATH,
  candidatesOf,
  dashboardPage,
  LOG_STATUSES,
  loginPage,
  logoutPage,
  messagePage,
  type QueueCounts,
} from './views';

export type WebDeps = {
  db: Db;
  queue: WebhookQueue;
  logger: Logger;
  config: { ADMIN_TOKEN: string; PLAYBACK_STALE_GRACE_SECONDS?: number };
  authFailures: AuthFailures;
  /** The page's sessions, shared with Bull Board's auth (app.ts), so one login serves both
   * and a logout ends both. Built from the token when absent. */
  sessions?: SessionManager;
};

const PAGE_ROWS = 50;
const STATIC_DIR = join(__dirname, 'static');

type SessionRequest = Request & { webSession?: WebSession };

const IdParam = z.object({ id: int4Param() });
const PageQuery = z.object({
  status: z
    .enum(LOG_STATUSES as [WebhookStatus, ...WebhookStatus[]])
    .or(z.literal('').transform(() => undefined))
    .optional(),
});
const UnmapForm = z.object({ mediaType: z.enum(['show', 'movie']).default('show') });
const formId = int4Param();
const ResolveForm = z.discriminatedUnion('action', [
  z.object({ action: z.literal('select'), tvshowId: formId.optional(), movieId: formId.optional() }),
  z.object({
    action: z.literal('create'),
    title: z.string().trim().min(1, 'title is required').max(500),
    firstAired: z.string().trim().optional(),
    year: z.string().trim().optional(),
  }),
  z.object({ action: z.literal('ignore') }),
]);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const titleYear = (title: string, year: number | null | undefined) => (year ? `${title} (${year})` : title);

function send(res: Response, status: number, page: SafeHtml): void {
  // Pages show admin data: never cached, never framed (helmet sets frame-ancestors too).
  res.status(status).set('Cache-Control', 'no-store').type('html').send(page.value);
}

/** The resolve form to the body the API takes, so both go through one validation. */
function resolveBody(form: z.infer<typeof ResolveForm>, conflict: ConflictWithHeld): unknown {
  const isMovie = conflict.mediaType === 'movie';
  switch (form.action) {
    case 'select':
      return isMovie
        ? { action: 'user_selected', movieId: form.movieId }
        : { action: 'user_selected', tvshowId: form.tvshowId };
    case 'create':
      return isMovie
        ? {
            action: 'user_created_new',
            movie: { title: form.title, year: form.year ? Number(form.year) : null },
          }
        : { action: 'user_created_new', show: { title: form.title, firstAired: form.firstAired || null } };
    case 'ignore':
      return { action: 'ignored' };
  }
}

async function describeResolution(
  db: Db,
  conflict: ConflictWithHeld,
  result: ResolveResult,
  action: z.infer<typeof ResolveForm>['action'],
): Promise<string> {
  if (action === 'ignore') {
    return `Ignored ${conflict.plexTitle}; ${plural(conflict.heldWebhooks, 'held scrobble')} dropped`;
  }
  const mapping = result.mapping;
  let target = 'the catalogue';
  if (mapping.mediaType === 'show' && mapping.tvshowId) {
    const show = await findShowRef(db, mapping.tvshowId);
    if (show) target = titleYear(show.title, show.showStartDate?.getUTCFullYear());
  } else if (mapping.mediaType === 'movie' && mapping.movieId) {
    const movie = await findMovieRef(db, mapping.movieId);
    if (movie) target = titleYear(movie.title, movie.year);
  }
  const verb =
    action === 'create'
      ? `Created ${target} and mapped ${conflict.plexTitle} to it`
      : `Mapped ${conflict.plexTitle} → ${target}`;
  return `${verb}; ${plural(result.replayed, 'held scrobble')} replayed`;
}

export function createWebRouter(deps: WebDeps): Router {
  const sessions = deps.sessions ?? createSessionManager(deps.config.ADMIN_TOKEN);
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 50 });

  router.use(ASSETS_PATH, express.static(STATIC_DIR, { index: false, maxAge: '1h', fallthrough: false }));

  /** Pages need a session; without one a GET goes to /login and a POST is refused there too. */
  const requireSession = (req: SessionRequest, res: Response, next: NextFunction) => {
    const session = sessions.readSession(req);
    if (!session) {
      res.redirect(req.method === 'GET' || req.method === 'HEAD' ? 302 : 303, '/login');
      return;
    }
    req.webSession = session;
    next();
  };
  /** After requireSession and the body parser: the hidden `csrf` field must be the session's. */
  const requireCsrf = (req: SessionRequest, res: Response, next: NextFunction) => {
    const given = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (!req.webSession || !sessions.checkCsrf(req.webSession, given)) {
      deps.logger.warn({ path: req.path }, 'web form without a valid CSRF token');
      send(
        res,
        403,
        messagePage('Forbidden', 'This form is missing its security token or it has expired.', {
          href: '/',
          text: 'Reload the dashboard',
        }),
      );
      return;
    }
    next();
  };
  const post = [form, requireSession, requireCsrf];

  router.get('/login', (req, res) => {
    if (sessions.readSession(req)) {
      res.redirect(302, '/');
      return;
    }
    send(res, 200, loginPage({ csrf: sessions.loginCsrf(req, res) }));
  });

  router.post('/login', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!sessions.checkLoginCsrf(req, body.csrf)) {
      send(
        res,
        403,
        loginPage({ csrf: sessions.loginCsrf(req, res), error: 'The form expired: try again.' }),
      );
      return;
    }
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    if (!token || !tokenMatches(token, deps.config.ADMIN_TOKEN)) {
      // The right token always logs in; a wrong one counts against this address (an empty
      // field does not).
      const wait = token ? await deps.authFailures.lockedFor(req) : null;
      if (wait !== null) {
        res.setHeader('Retry-After', String(wait));
        const error = `Too many failed logins from this address: try again in ${wait} s.`;
        send(res, 429, loginPage({ csrf: sessions.loginCsrf(req, res), error }));
        return;
      }
      if (token) await deps.authFailures.record(req);
      deps.logger.warn({ ip: req.ip }, 'web login with a wrong admin token');
      send(res, 401, loginPage({ csrf: sessions.loginCsrf(req, res), error: 'Wrong admin token.' }));
      return;
    }
    sessions.clearLoginCookie(req, res);
    sessions.startSession(req, res);
    res.redirect(303, '/');
  });

  router.get('/logout', requireSession, (req: SessionRequest, res) => {
    send(res, 200, logoutPage(req.webSession!.csrf));
  });
  router.post('/logout', ...post, (req: SessionRequest, res: Response) => {
    sessions.endSession(req, res, req.webSession ?? null);
    res.redirect(303, '/login');
  });

  const grace = deps.config.PLAYBACK_STALE_GRACE_SECONDS ?? DEFAULT_STALE_GRACE_SECONDS;
  // The playback panels' data for dashboard.js, which refreshes them without a reload.
  router.get('/playback.json', requireSession, async (_req: SessionRequest, res: Response) => {
    const panels = await playbackPanels(deps.db, grace);
    const ids = new Set([...panels.nowPlaying, ...panels.continueWatching].map((i) => i.userId));
    res.setHeader('Cache-Control', 'no-store');
    res.json(playbackJsonOf(panels, await userNamesById(deps.db, ids)));
  });

  router.get('/', requireSession, async (req: SessionRequest, res: Response) => {
    const query = PageQuery.safeParse(req.query);
    const logStatus = query.success ? query.data.status : undefined;
    const [conflicts, logs, stats, hourly, mappings, queue, panels, ratings, history] = await Promise.all([
      listConflicts(deps.db, { resolved: false, limit: PAGE_ROWS }),
      listWebhookLogs(deps.db, { status: logStatus, limit: PAGE_ROWS }),
      getWebhookStats(deps.db),
      getHourlyWebhookCounts(deps.db),
      listMappings(deps.db, { limit: PAGE_ROWS }),
      deps.queue.getJobCounts('waiting', 'active', 'failed', 'delayed').then(
        (c) => ({ counts: c as NonNullable<QueueCounts>, error: null }),
        (err: unknown) => ({ counts: null, error: err instanceof Error ? err.message : String(err) }),
      ),
      playbackPanels(deps.db, grace),
      listRatings(deps.db, { limit: PAGE_ROWS }),
      historyPanel(deps.db),
    ]);
    const userIds = new Set<number>();
    for (const c of conflicts) userIds.add(c.userId);
    for (const l of logs.items) if (l.userId) userIds.add(l.userId);
    for (const m of mappings) userIds.add(m.userId);
    for (const i of [...panels.nowPlaying, ...panels.continueWatching, ...ratings]) userIds.add(i.userId);
    const failedIds = logs.items.filter((l) => l.status === 'failed').map((l) => l.id);
    const [userNames, retried] = await Promise.all([
      userNamesById(deps.db, userIds),
      webhookLogsOfJobs(deps.db, failedIds.map(retryJobId)),
    ]);
    send(
      res,
      200,
      dashboardPage({
        csrf: req.webSession!.csrf,
        flash: sessions.takeFlash(req, res),
        now: new Date(),
        conflicts,
        logs: logs.items,
        logStatus,
        stats,
        hourly,
        queue: queue.counts,
        queueError: queue.error,
        mappings,
        userNames,
        playback: { panels, ratings },
        history,
        retries: new Map(
          failedIds.flatMap((id) => {
            const retry = retried.get(retryJobId(id));
            return retry ? [[id, retry] as const] : [];
          }),
        ),
      }),
    );
  });

  router.post('/conflicts/:id/resolve', ...post, async (req: Request, res: Response) => {
    try {
      const { id } = parseInput(IdParam, req.params);
      const input = parseInput(ResolveForm, req.body);
      const conflict = await getConflict(deps.db, id);
      if (!conflict) throw new HttpError(404, `conflict ${id} not found`);
      if (input.action === 'select') {
        // Only a listed candidate can be picked from the page.
        const picked = input.tvshowId ?? input.movieId;
        const listed = candidatesOf(conflict).some((c) => (c.tvshowId ?? c.movieId) === picked);
        if (!listed) throw new HttpError(400, `that candidate is not one of conflict ${id}'s`);
      }
      const result = await resolveConflict(deps, id, resolveBody(input, conflict));
      const text = await describeResolution(deps.db, conflict, result, input.action);
      sessions.setFlash(
        req,
        res,
        result.replayError
          ? {
              kind: 'error',
              text: `${text}, but some held scrobbles could not be queued (${result.replayError}): retry with POST /api/conflicts/${id}/replay`,
            }
          : { kind: 'ok', text },
      );
    } catch (err) {
      const httpErr = toHttpError(err);
      if (httpErr.status >= 500) throw err;
      sessions.setFlash(req, res, { kind: 'error', text: `Not resolved: ${httpErr.message}` });
    }
    res.redirect(303, '/#conflicts');
  });

  router.post('/mappings/:id/unmap', ...post, async (req: Request, res: Response) => {
    const { id } = parseInput(IdParam, req.params);
    const { mediaType } = parseInput(UnmapForm, req.body);
    const mapping =
      mediaType === 'movie' ? await getMovieMapping(deps.db, id) : await getMapping(deps.db, id);
    if (mapping && (await deleteMapping(deps.db, id, mediaType))) {
      sessions.setFlash(req, res, {
        kind: 'ok',
        text: `Unmapped ${mapping.plexTitle}: its next scrobble is matched again`,
      });
    } else {
      sessions.setFlash(req, res, { kind: 'error', text: 'That mapping no longer exists' });
    }
    res.redirect(303, '/#mappings');
  });

  // Sync now (issue 15): a history sync run for the user, as POST /api/users/:id/history-sync.
  router.post('/users/:id/history-sync', ...post, async (req: Request, res: Response) => {
    try {
      const { id } = parseInput(IdParam, req.params);
      const { jobId } = await syncNow(deps.db, deps.queue, id);
      sessions.setFlash(req, res, { kind: 'ok', text: `History sync of user ${id} queued (job ${jobId})` });
    } catch (err) {
      const httpErr = toHttpError(err);
      if (httpErr.status >= 500 && httpErr.status !== 503) throw err;
      sessions.setFlash(req, res, { kind: 'error', text: `Not synced: ${httpErr.message}` });
    }
    res.redirect(303, '/#history');
  });

  // A failed webhook back on the queue (issue 14 item 3): the same service as the API's retry.
  router.post('/webhook-logs/:id/retry', ...post, async (req: Request, res: Response) => {
    // Back to the list the button was on (the form carries its status filter).
    const filter = PageQuery.safeParse(req.body ?? {});
    const status = filter.success ? filter.data.status : undefined;
    try {
      const { id } = parseInput(IdParam, req.params);
      const result = await retryWebhookLog(deps, id);
      sessions.setFlash(req, res, {
        kind: 'ok',
        text: result.alreadyQueued
          ? `Webhook ${id} is queued for a retry already (job ${result.id})`
          : `Webhook ${id} queued again as job ${result.id}: its outcome appears as a new row`,
      });
    } catch (err) {
      const httpErr = toHttpError(err);
      // A queue outage (503) is worth a message on the page; anything else past 4xx is a bug.
      if (httpErr.status >= 500 && httpErr.status !== 503) throw err;
      sessions.setFlash(req, res, { kind: 'error', text: `Not retried: ${httpErr.message}` });
    }
    res.redirect(303, status ? `/?status=${status}#logs` : '/#logs');
  });

  // Errors of these routes are pages, not the API's JSON.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const httpErr = toHttpError(err);
    if (httpErr.status >= 500) {
      deps.logger.error(
        { err: err instanceof Error ? err.message : String(err), path: req.path },
        'web page failed',
      );
    }
    send(
      res,
      httpErr.status,
      messagePage(httpErr.status >= 500 ? 'Something went wrong' : 'Not possible', httpErr.message, {
        href: '/',
        text: 'Back to the dashboard',
      }),
    );
  });
  return router;
}

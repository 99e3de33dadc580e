import { randomUUID } from 'node:crypto';
import { badRequest, HttpError, inspectJson, sanitizeJson, unauthorized } from '@plexhook/core';
import { enqueueWebhook, type JobSource, type WebhookQueue } from '@plexhook/queue';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import multer from 'multer';
import type { Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { enforceBodyBudget, refuseDeclaredTooLarge } from '../body-limit';
import type { IngestConfig } from '../config';
import type { IngestMetrics } from '../metrics';
import type { SecretLookup } from '../secret-cache';
import { type Spool, SpoolFullError } from '../spool';

export type WebhookRouteDeps = {
  config: Pick<
    IngestConfig,
    'PAYLOAD_MAX_BYTES' | 'THUMB_MAX_BYTES' | 'ENQUEUE_TIMEOUT_MS' | 'AUTH_FAILURES_PER_MINUTE'
  >;
  lookupSecret: SecretLookup;
  queue: WebhookQueue;
  metrics: IngestMetrics;
  /** Durable fallback while Redis is unreachable; without it such a webhook gets a 503. */
  spool?: Spool;
  logger: Pick<Logger, 'warn'>;
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`enqueue took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Plex's payload is a few levels deep; anything far deeper is hostile (and would overflow the
 * stack of every recursive serializer downstream: BullMQ, Prisma, pino). */
export const MAX_PAYLOAD_DEPTH = 32;

/**
 * What differs between the media servers' webhook bodies; everything else of the route (secret,
 * rate limit, size limits, cleaning, spool, answers) is one implementation for all of them.
 */
export type WebhookSource = {
  source: JobSource;
  path: string;
  /** Name in messages. */
  name: string;
  /** The multipart field holding the JSON (Plex `payload`, Emby `data`); null: no multipart. */
  multipartField: string | null;
  /** Multipart files accepted and dropped: Plex's `thumb` by name, or any one file (Emby). */
  files: { names: string[] } | 'any-one' | 'none';
  /** A `text/*` body is the JSON as text (the Jellyfin plugin's default content type). */
  jsonAsText: boolean;
  /** The field every payload of this source has (a string): a cheap check that it is theirs. */
  eventField: string;
};

export const WEBHOOK_SOURCES: readonly WebhookSource[] = [
  {
    source: 'plex',
    path: '/api/plex/webhook',
    name: 'Plex',
    multipartField: 'payload',
    files: { names: ['thumb'] },
    jsonAsText: false,
    eventField: 'event',
  },
  {
    source: 'jellyfin',
    path: '/api/jellyfin/webhook',
    name: 'Jellyfin',
    multipartField: null,
    files: 'none',
    jsonAsText: true,
    eventField: 'NotificationType',
  },
  {
    source: 'emby',
    path: '/api/emby/webhook',
    name: 'Emby',
    multipartField: 'data',
    files: 'any-one',
    jsonAsText: false,
    eventField: 'Event',
  },
];

/** The paths of every webhook route (metrics count them together). */
export const WEBHOOK_PATHS: ReadonlySet<string> = new Set(WEBHOOK_SOURCES.map((s) => s.path));

/** The JSON text of a body, or its parsed value, as the source sends it. */
function rawBody(req: Request, src: WebhookSource, multipart: boolean): unknown {
  if (multipart) {
    const fieldName = src.multipartField as string;
    const field = (req.body as Record<string, unknown> | undefined)?.[fieldName];
    if (typeof field !== 'string' || field.length === 0) throw badRequest(`missing "${fieldName}" field`);
    try {
      return JSON.parse(field);
    } catch {
      throw badRequest(`"${fieldName}" field is not valid JSON`);
    }
  }
  if (req.is('application/json')) return req.body;
  if (src.jsonAsText && typeof req.body === 'string') {
    try {
      return JSON.parse(req.body);
    } catch {
      throw badRequest('body is not valid JSON');
    }
  }
  const accepted = [
    src.multipartField ? `multipart/form-data with a "${src.multipartField}" field` : null,
    'application/json',
    src.jsonAsText ? 'JSON as text/plain' : null,
  ].filter((x) => x !== null);
  throw badRequest(`expected ${accepted.join(', or ')}`);
}

/** The source's JSON: an object with its event field, cleaned of what PostgreSQL cannot store. */
function readPayload(req: Request, src: WebhookSource, multipart: boolean): Record<string, unknown> {
  const raw = rawBody(req, src, multipart);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest('payload must be a JSON object');
  }
  // One allocation-free walk checks the depth and whether anything needs fixing: what
  // PostgreSQL cannot store (NUL, lone surrogates) and __proto__/constructor/prototype keys.
  // Payloads almost never carry either, and then the parsed value is used as it is
  // (sanitizeJson would return an equal copy); otherwise sanitizeJson replaces and drops them.
  const state = inspectJson(raw, MAX_PAYLOAD_DEPTH);
  if (state === 'too-deep') {
    throw badRequest(`payload is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  }
  const payload = (state === 'clean' ? raw : sanitizeJson(raw)) as Record<string, unknown>;
  const event = payload[src.eventField];
  if (typeof event !== 'string' || event.length === 0) {
    const article = /^[AEIOU]/.test(src.name) ? 'an' : 'a';
    throw badRequest(`payload has no "${src.eventField}": not ${article} ${src.name} webhook`);
  }
  return payload;
}

/** Multer storage for the optional thumb: the stream is consumed and nothing is kept (the
 * memory storage copied every thumb into one Buffer only for it to be dropped). */
const discardStorage: multer.StorageEngine = {
  _handleFile(_req, file, callback) {
    let settled = false;
    const done = (err: Error | null) => {
      if (settled) return;
      settled = true;
      callback(err, {});
    };
    // An aborted upload errors instead of ending: multer must hear of it, or it waits forever.
    file.stream.on('error', (err) => done(err));
    file.stream.on('end', () => done(null));
    file.stream.resume();
  },
  _removeFile(_req, _file, callback) {
    callback(null);
  },
};

export function webhookRouter(deps: WebhookRouteDeps): Router {
  const router = Router();
  // Every multer limit set: its defaults are unlimited. At most one file (Plex sends a `thumb`
  // with play/rate/library.new), read and dropped without being kept (fileSize still applies:
  // past it busboy reports the limit and multer answers 413); any other file is a 400.
  const limits: multer.Options['limits'] = {
    fieldSize: deps.config.PAYLOAD_MAX_BYTES,
    fieldNameSize: 100,
    fields: 5,
    fileSize: deps.config.THUMB_MAX_BYTES,
    files: 1,
    parts: 6,
    headerPairs: 100,
  };
  const uploader = (files: WebhookSource['files']) => {
    const m = multer({ storage: discardStorage, limits });
    if (files === 'any-one') return m.any();
    if (files === 'none') return m.none();
    return m.fields(files.names.map((name) => ({ name, maxCount: 1 })));
  };
  const json = express.json({ limit: deps.config.PAYLOAD_MAX_BYTES, strict: true });
  // Any text/* type: the plugin says text/plain, a proxy may say something else of the kind.
  const text = express.text({ limit: deps.config.PAYLOAD_MAX_BYTES, type: 'text/*' });
  // One content-type check picks the parser (multer and body-parser would each check again).
  const bodyParser = (src: WebhookSource) => {
    const upload = src.multipartField === null ? null : uploader(src.files);
    return (req: Request, res: Response, next: NextFunction) => {
      if (upload && req.is('multipart/form-data')) {
        res.locals.multipart = true;
        upload(req, res, next);
      } else if (src.jsonAsText && req.is('text/*')) {
        text(req, res, next);
      } else {
        json(req, res, next);
      }
    };
  };
  // Failed authentications per IP, so a secret cannot be brute-forced. Only failures are
  // counted (a limiter that counts every request in flight refused valid webhooks under load),
  // and only failures are refused: the secret is checked first (a cache hit, usually), and a
  // known secret is always accepted, so one stale URL behind a shared address (a Plex server
  // with several users, a NAT) cannot lock everyone else behind it out of their webhooks.
  // Guessing stays as hopeless as before: a secret is 256 random bits.
  const failures = new RateLimiterMemory({ points: deps.config.AUTH_FAILURES_PER_MINUTE, duration: 60 });
  const clientKey = (req: Request) => req.ip ?? 'unknown';

  // Authenticate before reading the body: an unknown caller costs no parsing.
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    const secret = req.query.secret;
    const userId =
      typeof secret === 'string' && secret.length > 0 && secret.length <= 512
        ? await deps.lookupSecret(secret).catch(() => {
            // Database away and the secret not cached: we cannot tell who this is. A 503 says
            // "try again" honestly; accepting an unauthenticated webhook would not be safe.
            throw new HttpError(503, 'cannot check the secret right now, webhook not accepted');
          })
        : null;
    if (userId !== null) {
      res.locals.userId = userId;
      next();
      return;
    }
    const client = clientKey(req);
    const spent = await failures.get(client);
    if (spent && spent.consumedPoints >= deps.config.AUTH_FAILURES_PER_MINUTE) {
      res.setHeader('Retry-After', String(Math.ceil(spent.msBeforeNext / 1000)));
      throw new HttpError(429, 'too many failed authentications, try again later');
    }
    // consume() rejects once the points are spent; the next failure is refused above.
    await failures.consume(client).catch(() => undefined);
    throw unauthorized();
  };

  // Size first (a declared 100 MB body is refused before anything else), then who it is, then
  // the body under a byte budget. The same chain for every source; only the body reader differs.
  for (const src of WEBHOOK_SOURCES) {
    router.post(
      src.path,
      refuseDeclaredTooLarge(deps.config),
      authenticate,
      enforceBodyBudget(deps.config),
      bodyParser(src),
      (req: Request, res: Response) => webhookHandler(src, req, res),
    );
  }
  return router;

  async function webhookHandler(src: WebhookSource, req: Request, res: Response) {
    // The body budget already answered 413 (the parser may still have finished): not queued.
    if (res.headersSent) return;
    const payload = readPayload(req, src, res.locals.multipart === true);
    const jobId = randomUUID();
    const job = {
      userId: res.locals.userId as number,
      source: src.source,
      receivedAt: new Date().toISOString(),
      payload,
    };
    const stop = deps.metrics.enqueueSeconds.startTimer();
    try {
      await withTimeout(enqueueWebhook(deps.queue, jobId, job), deps.config.ENQUEUE_TIMEOUT_MS);
    } catch (err) {
      // Plex never retries (nor do the Jellyfin plugin and Emby): a webhook we cannot queue goes
      // to the durable spool instead.
      if (!deps.spool) throw new HttpError(503, 'queue unavailable, webhook not accepted');
      deps.logger.warn(
        { jobId, err: err instanceof Error ? err.message : String(err) },
        'enqueue failed: spooling',
      );
      try {
        await deps.spool.append({ jobId, job });
      } catch (spoolErr) {
        const reason = spoolErr instanceof SpoolFullError ? 'spool full' : 'spool write failed';
        throw new HttpError(503, `queue unavailable and ${reason}, webhook not accepted`);
      }
      deps.metrics.spooled.inc();
      res.json({ status: 'queued', id: jobId, spooled: true });
      return;
    } finally {
      stop();
    }
    res.json({ status: 'queued', id: jobId });
  }
}

import { randomUUID } from 'node:crypto';
import { badRequest, HttpError, unauthorized } from '@plexhook/core/src/http-error';
import { enqueueWebhook, type WebhookQueue } from '@plexhook/queue';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import multer from 'multer';
import type { IngestConfig } from '../config';
import type { IngestMetrics } from '../metrics';
import type { SecretLookup } from '../secret-cache';

export type WebhookRouteDeps = {
  config: Pick<IngestConfig, 'PAYLOAD_MAX_BYTES' | 'THUMB_MAX_BYTES'>;
  lookupSecret: SecretLookup;
  queue: WebhookQueue;
  metrics: IngestMetrics;
};

/** Plex's JSON, from the multipart `payload` field or a JSON body: an object with an event. */
function readPayload(req: Request): Record<string, unknown> {
  let raw: unknown = req.body;
  if (req.is('multipart/form-data')) {
    const field = (req.body as Record<string, unknown> | undefined)?.payload;
    if (typeof field !== 'string' || field.length === 0) throw badRequest('missing "payload" field');
    try {
      raw = JSON.parse(field);
    } catch {
      throw badRequest('"payload" field is not valid JSON');
    }
  } else if (!req.is('application/json')) {
    throw badRequest('expected multipart/form-data with a "payload" field, or application/json');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest('payload must be a JSON object');
  }
  const payload = raw as Record<string, unknown>;
  if (typeof payload.event !== 'string' || payload.event.length === 0) {
    throw badRequest('payload has no "event"');
  }
  return payload;
}

export function webhookRouter(deps: WebhookRouteDeps): Router {
  const router = Router();
  // Every multer limit set: its defaults are unlimited. One optional `thumb` file (Plex sends
  // it with play/rate/library.new), kept in memory only to be dropped; any other file is a 400.
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: {
      fieldSize: deps.config.PAYLOAD_MAX_BYTES,
      fieldNameSize: 100,
      fields: 5,
      fileSize: deps.config.THUMB_MAX_BYTES,
      files: 1,
      parts: 6,
      headerPairs: 100,
    },
  }).fields([{ name: 'thumb', maxCount: 1 }]);
  const json = express.json({ limit: deps.config.PAYLOAD_MAX_BYTES, strict: true });

  // Authenticate before reading the body: an unknown caller costs no parsing.
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    const secret = req.query.secret;
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 512) throw unauthorized();
    const userId = await deps.lookupSecret(secret);
    if (userId === null) throw unauthorized();
    res.locals.userId = userId;
    next();
  };

  router.post('/api/plex/webhook', authenticate, upload, json, async (req: Request, res: Response) => {
    const payload = readPayload(req);
    const jobId = randomUUID();
    const stop = deps.metrics.enqueueSeconds.startTimer();
    try {
      await enqueueWebhook(deps.queue, jobId, {
        userId: res.locals.userId as number,
        receivedAt: new Date().toISOString(),
        payload,
      });
    } catch (err) {
      throw new HttpError(503, 'queue unavailable, webhook not accepted', { cause: String(err) });
    } finally {
      stop();
    }
    res.json({ status: 'queued', id: jobId });
  });
  return router;
}

import { pipeline } from 'node:stream/promises';
import { notFound } from '@plexhook/core';
import {
  type Db,
  deleteMapping,
  getConflict,
  getWebhookStats,
  listConflicts,
  listMappings,
  listWebhookLogs,
  MediaType,
  WEBHOOK_LOGS_MAX_LIMIT,
  WebhookAction,
  WebhookStatus,
} from '@plexhook/db';
import type { WebhookQueue } from '@plexhook/queue';
import express, { Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { DashboardConfig } from '../config';
import { runCatalogImport } from '../services/catalog-import';
import { EXPORT_CONTENT_TYPES, EXPORT_FORMATS, exportFileName, openUserExport } from '../services/export';
import { replayResolvedConflict, resolveConflict } from '../services/resolve-conflict';
import { retryWebhookLog } from '../services/retry-webhook';
import { createUser, rotateUserSecret, updatePlexConfig } from '../services/users';
import { int4Param, parseInput } from '../validation';

export type ApiDeps = {
  db: Db;
  queue: WebhookQueue;
  logger: Logger;
  config: Pick<DashboardConfig, 'PUBLIC_WEBHOOK_URL'>;
};

const IdParam = z.object({ id: int4Param() });
const id = (params: unknown) => parseInput(IdParam, params).id;
const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
const Paging = {
  limit: int4Param().max(WEBHOOK_LOGS_MAX_LIMIT).optional(),
  offset: int4Param(0).optional(),
};

const mediaTypeParam = z.enum(MediaType, { error: 'mediaType must be show or movie' });

const ConflictQuery = z.object({
  resolved: boolParam.optional(),
  userId: int4Param().optional(),
  mediaType: mediaTypeParam.optional(),
  ...Paging,
});
const MappingQuery = z.object({
  userId: int4Param().optional(),
  /** Only this kind; both (each item with its mediaType) when absent. */
  mediaType: mediaTypeParam.optional(),
  ...Paging,
});
// Show and movie mapping ids are separate sequences: the kind says which table the id is in.
const MappingDeleteQuery = z.object({ mediaType: mediaTypeParam.default('show') });
const LogQuery = z.object({
  status: z.enum(WebhookStatus).optional(),
  action: z.enum(WebhookAction).optional(),
  userId: int4Param().optional(),
  conflictId: int4Param().optional(),
  cursor: int4Param().optional(),
  includePayload: boolParam.optional(),
  ...Paging,
});

const ExportQuery = z.object({
  userId: int4Param(),
  format: z.enum(EXPORT_FORMATS, { error: 'format must be csv, json or ndjson' }).default('json'),
});

export function apiRouter(deps: ApiDeps): Router {
  const router = Router();
  // Catalogues are big: this route alone takes a large body (declared before the small parser).
  router.post('/catalog/import', express.json({ limit: '50mb' }), async (req, res) => {
    res.json(await runCatalogImport(deps.db, req.body));
  });
  router.use(express.json({ limit: '100kb' }));

  router.get('/conflicts', async (req, res) => {
    const query = parseInput(ConflictQuery, req.query);
    res.json({ items: await listConflicts(deps.db, query) });
  });
  router.get('/conflicts/:id', async (req, res) => {
    const conflict = await getConflict(deps.db, id(req.params));
    if (!conflict) throw notFound(`conflict ${req.params.id} not found`);
    res.json(conflict);
  });
  router.post('/conflicts/:id/resolve', async (req, res) => {
    res.json(await resolveConflict(deps, id(req.params), req.body));
  });
  // Recovery: re-enqueue what a resolved conflict still holds (when Redis failed mid-replay).
  router.post('/conflicts/:id/replay', async (req, res) => {
    res.json(await replayResolvedConflict(deps, id(req.params)));
  });

  router.get('/mappings', async (req, res) => {
    res.json({ items: await listMappings(deps.db, parseInput(MappingQuery, req.query)) });
  });
  // DELETE /api/mappings/:id?mediaType=movie for a movie mapping; show by default.
  router.delete('/mappings/:id', async (req, res) => {
    const mappingId = id(req.params);
    const { mediaType } = parseInput(MappingDeleteQuery, req.query);
    if (!(await deleteMapping(deps.db, mappingId, mediaType))) {
      throw notFound(`${mediaType} mapping ${mappingId} not found`);
    }
    res.status(204).end();
  });

  router.get('/webhook-logs', async (req, res) => {
    res.json(await listWebhookLogs(deps.db, parseInput(LogQuery, req.query)));
  });
  // A failed webhook back on the queue (its stored payload, user and receivedAt), once per row.
  router.post('/webhook-logs/:id/retry', async (req, res) => {
    res.json(await retryWebhookLog(deps, id(req.params)));
  });

  router.get('/stats', async (_req, res) => {
    const [webhooks, queue] = await Promise.all([
      getWebhookStats(deps.db),
      deps.queue.getJobCounts().then(
        (counts) => ({ counts }),
        (err: unknown) => ({ counts: null, error: err instanceof Error ? err.message : String(err) }),
      ),
    ]);
    res.json({ ...webhooks, queue });
  });

  router.post('/users', async (req, res) => {
    res.status(201).json(await createUser(deps.db, deps.config.PUBLIC_WEBHOOK_URL, req.body));
  });
  router.post('/users/:id/rotate-secret', async (req, res) => {
    res.json(await rotateUserSecret(deps.db, deps.config.PUBLIC_WEBHOOK_URL, id(req.params)));
  });
  router.patch('/users/:id/plex-config', async (req, res) => {
    res.json(await updatePlexConfig(deps.db, id(req.params), req.body));
  });

  // Streamed: rows go out as the database's cursor hands them over, at the client's pace.
  router.get('/export', async (req, res) => {
    const { userId, format } = parseInput(ExportQuery, req.query);
    const { stream, rows } = await openUserExport(deps.db, userId, format);
    res.setHeader('Content-Type', EXPORT_CONTENT_TYPES[format]);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(userId, format)}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await pipeline(stream, res);
    } catch (err) {
      // The status line is sent: an error now can only cut the response short. The chunked
      // body then lacks its last chunk, which the client reports as an error rather than taking
      // a truncated file for a whole one. A client that went away is not an error of ours.
      if (!res.destroyed) res.destroy();
      if (req.socket.destroyed && (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE')
        return;
      deps.logger.error({ err: (err as Error).message, userId, rows: rows() }, 'export failed');
    }
  });
  return router;
}

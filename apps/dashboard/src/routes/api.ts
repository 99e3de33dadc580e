import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { notFound } from '@plexhook/core';
import {
  CatalogSchema,
  type Db,
  deleteMapping,
  EventSource,
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
import express, { type RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { DashboardConfig } from '../config';
import { runCatalogImport } from '../services/catalog-import';
import { EXPORT_CONTENT_TYPES, EXPORT_FORMATS, exportFileName, openUserExport } from '../services/export';
import { DEFAULT_STALE_GRACE_SECONDS } from '../services/playback';
import { ResolveConflictSchema, replayResolvedConflict, resolveConflict } from '../services/resolve-conflict';
import { retryWebhookLog } from '../services/retry-webhook';
import {
  CreateUserSchema,
  createUser,
  PlexConfigPatchSchema,
  rotateUserSecret,
  updatePlexConfig,
} from '../services/users';
import { int4Param, parseInput } from '../validation';
import { historyRoutes } from './history';
import { type ApiOperation, ErrorSchema, operation, serveOpenApi } from './openapi';
import { playbackRoutes } from './playback';

export type ApiDeps = {
  db: Db;
  queue: WebhookQueue;
  logger: Logger;
  config: Pick<DashboardConfig, 'PUBLIC_WEBHOOK_URL'> &
    Partial<Pick<DashboardConfig, 'PLAYBACK_STALE_GRACE_SECONDS'>>;
};

const IdParam = z.object({ id: int4Param() });
const id = (params: unknown) => parseInput(IdParam, params).id;
const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
const Paging = {
  limit: int4Param().max(WEBHOOK_LOGS_MAX_LIMIT).optional(),
  offset: int4Param(0).optional(),
};

const mediaTypeParam = z.enum(MediaType, { error: 'mediaType must be show or movie' });

/** Only rows of this media server (every row, mapping and conflict says its `source`). */
const SourceParam = z.enum(EventSource).optional();
const ConflictQuery = z.object({
  resolved: boolParam.optional(),
  userId: int4Param().optional(),
  source: SourceParam,
  mediaType: mediaTypeParam.optional(),
  ...Paging,
});
const MappingQuery = z.object({
  userId: int4Param().optional(),
  source: SourceParam,
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
  source: SourceParam,
  cursor: int4Param().optional(),
  includePayload: boolParam.optional(),
  ...Paging,
});

/** The document's info.version: the dashboard package's version. */
const API_VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

// Response bodies, for the document only (the handlers answer what the services return).
const Row = z.looseObject({ id: z.number().int() });
const ItemsSchema = z.object({ items: z.array(Row) });
const ImportCounts = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
});
const ImportReportSchema = z.object({ shows: ImportCounts, episodes: ImportCounts, movies: ImportCounts });
const UserWithWebhookSchema = z.object({
  user: z.object({ id: z.number().int(), name: z.string() }),
  webhookUrl: z.string().meta({ description: 'The webhook URL with its secret: shown only here' }),
  webhookUrls: z
    .object({ plex: z.string(), jellyfin: z.string(), emby: z.string() })
    .meta({ description: "Each media server's webhook URL, the same secret: shown only here" }),
});
const ReplaySchema = z.object({
  replayed: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  ignored: z.number().int().optional(),
  error: z.string().optional(),
});
const RetrySchema = z.object({
  status: z.literal('queued'),
  id: z.string(),
  logId: z.number().int(),
  alreadyQueued: z.boolean(),
});
const ok = (description: string, schema?: z.ZodType) => ({
  200: { description, ...(schema ? { schema } : {}) },
});
const notFoundDoc = (what: string) => ({ 404: { description: `Unknown ${what}`, schema: ErrorSchema } });
const conflictDoc = (description: string) => ({ 409: { description, schema: ErrorSchema } });

const ExportQuery = z.object({
  userId: int4Param(),
  format: z.enum(EXPORT_FORMATS, { error: 'format must be csv, json or ndjson' }).default('json'),
});

/** The /api router and the description of each of its routes, registered together. */
export function createApiRouter(deps: ApiDeps): { router: Router; operations: ApiOperation[] } {
  const router = Router();
  const operations: ApiOperation[] = [];
  const route = (op: ApiOperation, ...handlers: RequestHandler[]) =>
    operation(router, operations, op, ...handlers);

  // Catalogues are big: this route alone takes a large body (declared before the small parser).
  route(
    {
      method: 'post',
      path: '/catalog/import',
      tags: ['catalogue'],
      summary: 'Import a catalogue (idempotent; up to 50 MB)',
      body: CatalogSchema,
      responses: {
        ...ok('Created, updated and unchanged counts', ImportReportSchema),
        413: { description: 'Body over 50 MB' },
      },
    },
    express.json({ limit: '50mb' }),
    async (req, res) => {
      res.json(await runCatalogImport(deps.db, req.body));
    },
  );
  router.use(express.json({ limit: '100kb' }));

  route(
    {
      method: 'get',
      path: '/conflicts',
      tags: ['conflicts'],
      summary: 'List conflicts',
      query: ConflictQuery,
      responses: ok('Conflicts, newest first', ItemsSchema),
    },
    async (req, res) => {
      const query = parseInput(ConflictQuery, req.query);
      res.json({ items: await listConflicts(deps.db, query) });
    },
  );
  route(
    {
      method: 'get',
      path: '/conflicts/:id',
      tags: ['conflicts'],
      summary: 'One conflict with its candidates',
      params: IdParam,
      responses: { ...ok('The conflict', Row), ...notFoundDoc('conflict') },
    },
    async (req, res) => {
      const conflict = await getConflict(deps.db, id(req.params));
      if (!conflict) throw notFound(`conflict ${req.params.id} not found`);
      res.json(conflict);
    },
  );
  route(
    {
      method: 'post',
      path: '/conflicts/:id/resolve',
      tags: ['conflicts'],
      summary: 'Resolve a conflict: map it, create a new entry, or ignore it',
      description:
        'The aliases `selected` (for `user_selected`) and `create_new` (for `user_created_new`) are accepted too. ' +
        'Answers `{conflict, mapping, replayed, replayError?}`; held scrobbles are replayed.',
      params: IdParam,
      body: ResolveConflictSchema,
      responses: {
        ...ok('Resolved: the conflict, its mapping and the replayed count'),
        ...notFoundDoc('conflict'),
        ...conflictDoc('Resolved already'),
      },
    },
    async (req, res) => {
      res.json(await resolveConflict(deps, id(req.params), req.body));
    },
  );
  // Recovery: re-enqueue what a resolved conflict still holds (when Redis failed mid-replay).
  route(
    {
      method: 'post',
      path: '/conflicts/:id/replay',
      tags: ['conflicts'],
      summary: 'Re-enqueue what a resolved conflict still holds',
      params: IdParam,
      responses: {
        ...ok('Replay counts', ReplaySchema),
        ...notFoundDoc('conflict'),
        ...conflictDoc('Not resolved yet'),
      },
    },
    async (req, res) => {
      res.json(await replayResolvedConflict(deps, id(req.params)));
    },
  );

  route(
    {
      method: 'get',
      path: '/mappings',
      tags: ['mappings'],
      summary: 'List show and movie mappings',
      query: MappingQuery,
      responses: ok('Mappings, each with its mediaType', ItemsSchema),
    },
    async (req, res) => {
      res.json({ items: await listMappings(deps.db, parseInput(MappingQuery, req.query)) });
    },
  );
  // DELETE /api/mappings/:id?mediaType=movie for a movie mapping; show by default.
  route(
    {
      method: 'delete',
      path: '/mappings/:id',
      tags: ['mappings'],
      summary: 'Delete a mapping (mediaType says which table the id is in)',
      params: IdParam,
      query: MappingDeleteQuery,
      responses: { 204: { description: 'Deleted' }, ...notFoundDoc('mapping') },
    },
    async (req, res) => {
      const mappingId = id(req.params);
      const { mediaType } = parseInput(MappingDeleteQuery, req.query);
      if (!(await deleteMapping(deps.db, mappingId, mediaType))) {
        throw notFound(`${mediaType} mapping ${mappingId} not found`);
      }
      res.status(204).end();
    },
  );

  route(
    {
      method: 'get',
      path: '/webhook-logs',
      tags: ['webhook logs'],
      summary: 'Webhook log rows, newest first (keyset paging with cursor)',
      query: LogQuery,
      responses: ok(
        'A page of rows and the cursor of the next one',
        z.object({ items: z.array(Row), nextCursor: z.number().int().nullable() }),
      ),
    },
    async (req, res) => {
      res.json(await listWebhookLogs(deps.db, parseInput(LogQuery, req.query)));
    },
  );
  // A failed webhook back on the queue (its stored payload, user and receivedAt), once per row.
  route(
    {
      method: 'post',
      path: '/webhook-logs/:id/retry',
      tags: ['webhook logs'],
      summary: 'Queue a failed webhook again (its stored payload, once per row)',
      params: IdParam,
      responses: {
        ...ok('Queued as job retry-<id>', RetrySchema),
        ...notFoundDoc('webhook log row'),
        ...conflictDoc('Not failed, no payload or user, or retried already'),
      },
    },
    async (req, res) => {
      res.json(await retryWebhookLog(deps, id(req.params)));
    },
  );

  route(
    {
      method: 'get',
      path: '/stats',
      tags: ['stats'],
      summary: 'The last 24 h by status and action, latest failures, open conflicts, queue counts',
      responses: ok('Statistics'),
    },
    async (_req, res) => {
      const [webhooks, queue] = await Promise.all([
        getWebhookStats(deps.db),
        deps.queue.getJobCounts().then(
          (counts) => ({ counts }),
          (err: unknown) => ({ counts: null, error: err instanceof Error ? err.message : String(err) }),
        ),
      ]);
      res.json({ ...webhooks, queue });
    },
  );

  route(
    {
      method: 'post',
      path: '/users',
      tags: ['users'],
      summary: 'Create a user; answers its webhook URL (the secret is shown only here)',
      body: CreateUserSchema,
      responses: { 201: { description: 'Created', schema: UserWithWebhookSchema } },
    },
    async (req, res) => {
      res.status(201).json(await createUser(deps.db, deps.config.PUBLIC_WEBHOOK_URL, req.body));
    },
  );
  route(
    {
      method: 'post',
      path: '/users/:id/rotate-secret',
      tags: ['users'],
      summary: 'A new webhook secret; the old URL stops working',
      params: IdParam,
      responses: { ...ok('The user and its new webhook URL', UserWithWebhookSchema), ...notFoundDoc('user') },
    },
    async (req, res) => {
      res.json(await rotateUserSecret(deps.db, deps.config.PUBLIC_WEBHOOK_URL, id(req.params)));
    },
  );
  route(
    {
      method: 'patch',
      path: '/users/:id/plex-config',
      tags: ['users'],
      summary: "Change a user's settings",
      params: IdParam,
      body: PlexConfigPatchSchema,
      responses: {
        ...ok(
          'The settings (the Plex token and the Jellyfin and Emby API keys are never shown: only whether they are set)',
        ),
        ...notFoundDoc('user'),
      },
    },
    async (req, res) => {
      res.json(await updatePlexConfig(deps.db, id(req.params), req.body));
    },
  );

  // Streamed: rows go out as the database's cursor hands them over, at the client's pace.
  route(
    {
      method: 'get',
      path: '/export',
      tags: ['export'],
      summary: 'Every watch of a user as a file (streamed)',
      description:
        'Episode and movie watches, oldest first, as CSV (RFC 4180), a JSON array or NDJSON; ' +
        'every row has the same fields (ARCHITECTURE.md, Export format). `rating` is null until ratings exist.',
      query: ExportQuery,
      responses: {
        200: {
          description: 'The file, as an attachment',
          content: {
            // Media types without their parameters (the answer adds `charset=utf-8`).
            'text/csv': { schema: { type: 'string' } },
            'application/json': { schema: { type: 'array', items: { type: 'object' } } },
            'application/x-ndjson': { schema: { type: 'string' } },
          },
        },
        ...notFoundDoc('user'),
      },
    },
    async (req, res) => {
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
    },
  );

  const grace = deps.config.PLAYBACK_STALE_GRACE_SECONDS ?? DEFAULT_STALE_GRACE_SECONDS;
  playbackRoutes(route, { ...deps, graceSeconds: grace });
  historyRoutes(route, deps);

  // Described like every other route, so the document lists itself.
  route(
    {
      method: 'get',
      path: '/openapi.json',
      tags: ['meta'],
      summary: 'This document (OpenAPI 3.1, generated from the request schemas)',
      responses: ok('The OpenAPI document'),
    },
    serveOpenApi(operations, API_VERSION),
  );
  return { router, operations };
}

export function apiRouter(deps: ApiDeps): Router {
  return createApiRouter(deps).router;
}

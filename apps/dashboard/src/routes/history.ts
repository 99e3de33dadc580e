// The Plex history sync over the API (issue 15): every user's sync state, and "sync now".
import { listSyncStates } from '@plexhook/db';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { syncNow } from '../services/plex-import';
import { int4Param, parseInput } from '../validation';
import type { ApiDeps } from './api';
import { type ApiOperation, ErrorSchema } from './openapi';

type Route = (op: ApiOperation, ...handlers: RequestHandler[]) => void;

const IdParam = z.object({ id: int4Param() });
const date = z.string().nullable();
const SyncStateSchema = z.object({
  items: z.array(
    z.object({
      userId: z.number().int(),
      userName: z.string(),
      configured: z.boolean().meta({ description: 'A Plex server URL and token are set (never shown)' }),
      enabled: z.boolean(),
      intervalMinutes: z.number().int(),
      cursorViewedAt: date,
      lastSyncAt: date,
      lastSuccessAt: date,
      rowsImported: z.number().int(),
      lastRunRows: z.number().int(),
      lastError: z.string().nullable(),
      lastErrorAt: date,
      lastMarkScanAt: date,
    }),
  ),
});
const QueuedSchema = z.object({ status: z.literal('queued'), jobId: z.string() });

export function historyRoutes(route: Route, deps: Pick<ApiDeps, 'db' | 'queue'>): void {
  route(
    {
      method: 'get',
      path: '/history-sync',
      tags: ['history'],
      summary: "Every user's Plex history sync: cursor, last sync and success, rows imported, last error",
      responses: { 200: { description: 'One item per user', schema: SyncStateSchema } },
    },
    async (_req, res) => {
      res.json({ items: await listSyncStates(deps.db) });
    },
  );
  route(
    {
      method: 'post',
      path: '/users/:id/history-sync',
      tags: ['history'],
      summary:
        'Sync now: a history sync run for the user (the worker runs it; GET /history-sync shows the result)',
      params: IdParam,
      responses: {
        202: { description: 'Queued', schema: QueuedSchema },
        404: { description: 'Unknown user', schema: ErrorSchema },
        409: { description: 'The user has no Plex server URL and token', schema: ErrorSchema },
      },
    },
    async (req, res) => {
      const { id } = parseInput(IdParam, req.params);
      const { jobId } = await syncNow(deps.db, deps.queue, id);
      res.status(202).json({ status: 'queued', jobId });
    },
  );
}

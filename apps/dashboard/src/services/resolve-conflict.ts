import { badRequest, conflict as conflictError, notFound } from '@plexhook/core/src/http-error';
import {
  CatalogShowSchema,
  type Db,
  getConflict,
  importShow,
  listHeldWebhooks,
  markConflictResolved,
  type PlexConflict,
  type PlexShowMapping,
  releaseHeldWebhooks,
  upsertMapping,
} from '@plexhook/db';
import { enqueueWebhook, type WebhookQueue } from '@plexhook/queue';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseInput } from '../validation';

const ACTION_ALIASES: Record<string, string> = { selected: 'user_selected', create_new: 'user_created_new' };

export const ResolveConflictSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const action = (value as { action?: unknown }).action;
    return typeof action === 'string' && action in ACTION_ALIASES
      ? { ...value, action: ACTION_ALIASES[action] }
      : value;
  },
  z.discriminatedUnion(
    'action',
    [
      z.object({ action: z.literal('user_selected'), tvshowId: z.number().int().positive() }),
      z.object({ action: z.literal('user_created_new'), show: CatalogShowSchema }),
      z.object({ action: z.literal('ignored') }),
    ],
    { error: 'action must be one of user_selected (selected), user_created_new (create_new), ignored' },
  ),
);
export type ResolveConflictInput = z.infer<typeof ResolveConflictSchema>;

export type ResolveDeps = { db: Db; queue: WebhookQueue; logger: Logger };

export type ReplayResult = { replayed: number; skipped: number; failed: number; error?: string };

export type ResolveResult = {
  conflict: PlexConflict & { heldWebhooks: number };
  mapping: PlexShowMapping;
  replayed: number;
  /** Present when some held scrobbles could not be re-enqueued (Redis away): retry with replay. */
  replayError?: string;
};

/**
 * Resolves a conflict: the decision, the mapping and (for a new show) the show are written in
 * one transaction; then the scrobbles held on the conflict are put back on the queue, where the
 * worker finds the new mapping. Used by both the API and the CLI.
 */
export async function resolveConflict(
  deps: ResolveDeps,
  conflictId: number,
  body: unknown,
): Promise<ResolveResult> {
  const input = parseInput(ResolveConflictSchema, body);
  const mapping = await deps.db.$transaction(
    async (tx) => {
      const found = await tx.plexConflict.findUnique({ where: { id: conflictId } });
      if (!found) throw notFound(`conflict ${conflictId} not found`);
      if (found.resolved) throw conflictError(`conflict ${conflictId} is already resolved`);

      let tvshowId: number | null = null;
      if (input.action === 'user_selected') {
        const show = await tx.tvShow.findUnique({ where: { id: input.tvshowId }, select: { id: true } });
        if (!show) throw badRequest(`tvshowId: show ${input.tvshowId} does not exist`);
        tvshowId = show.id;
      } else if (input.action === 'user_created_new') {
        // Through the catalogue import, so a show that exists already (same tmdb id...) is reused.
        tvshowId = (await importShow(tx, input.show)).id;
      }

      if (!(await markConflictResolved(tx, conflictId, { action: input.action, tvshowId }))) {
        // Someone resolved it between our read and our update.
        throw conflictError(`conflict ${conflictId} is already resolved`);
      }
      const ignored = input.action === 'ignored';
      const saved = await upsertMapping(tx, {
        userId: found.userId,
        plexRatingKey: found.plexRatingKey,
        plexGuid: found.plexGuid,
        plexTitle: found.plexTitle,
        plexYear: found.plexYear,
        tvshowId,
        matchMethod: 'manual',
        matchConfidence: 1,
        syncEnabled: !ignored,
      });
      if (ignored) {
        const held = await listHeldWebhooks(tx, conflictId);
        await releaseHeldWebhooks(
          tx,
          held.map((row) => row.id),
          'ignored_show',
        );
      }
      return saved;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );

  const replay: ReplayResult =
    input.action === 'ignored'
      ? { replayed: 0, skipped: 0, failed: 0 }
      : await replayHeldWebhooks(deps, conflictId);
  const after = await getConflict(deps.db, conflictId);
  deps.logger.info(
    { conflictId, action: input.action, tvshowId: mapping.tvshowId, replayed: replay.replayed },
    'conflict resolved',
  );
  return {
    conflict: after!,
    mapping,
    replayed: replay.replayed,
    ...(replay.error ? { replayError: replay.error } : {}),
  };
}

/**
 * Re-enqueues every scrobble still held on a conflict as job `replay-<logId>` (a second replay
 * of the same row is a no-op in BullMQ), then marks the row `replayed`. Rows are marked one by
 * one after their job is in Redis: a failure leaves the rest held, to be replayed again.
 */
export async function replayHeldWebhooks(
  deps: Pick<ResolveDeps, 'db' | 'queue' | 'logger'>,
  conflictId: number,
): Promise<ReplayResult> {
  const held = await listHeldWebhooks(deps.db, conflictId);
  const result: ReplayResult = { replayed: 0, skipped: 0, failed: 0 };
  for (const row of held) {
    const payload = row.payload;
    if (row.userId === null || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      // Nothing to replay from (the row kept no payload).
      result.skipped++;
      continue;
    }
    try {
      await enqueueWebhook(deps.queue, `replay-${row.id}`, {
        userId: row.userId,
        receivedAt: row.receivedAt.toISOString(),
        payload: payload as Record<string, unknown>,
        replayOfLogId: row.id,
      });
    } catch (err) {
      result.failed = held.length - result.replayed - result.skipped;
      result.error = err instanceof Error ? err.message : String(err);
      deps.logger.error({ conflictId, logId: row.id, err: result.error }, 'replaying a held scrobble failed');
      return result;
    }
    await releaseHeldWebhooks(deps.db, [row.id], 'replayed');
    result.replayed++;
  }
  return result;
}

/** Replays what a resolved conflict still holds (after a replay failed half-way). */
export async function replayResolvedConflict(deps: ResolveDeps, conflictId: number): Promise<ReplayResult> {
  const found = await deps.db.plexConflict.findUnique({ where: { id: conflictId } });
  if (!found) throw notFound(`conflict ${conflictId} not found`);
  if (!found.resolved) throw conflictError(`conflict ${conflictId} is not resolved yet`);
  if (found.resolutionAction === 'ignored') return { replayed: 0, skipped: 0, failed: 0 };
  return replayHeldWebhooks(deps, conflictId);
}

import { badRequest, conflict as conflictError, notFound } from '@plexhook/core';
import {
  CatalogMovieSchema,
  CatalogShowSchema,
  type Db,
  type DbOrTx,
  findConflictRow,
  findMovieRef,
  findShowRef,
  getConflict,
  importMovie,
  importShow,
  inTransaction,
  listHeldWebhooks,
  type MediaType,
  markConflictResolved,
  type PlexConflict,
  type PlexMovieMapping,
  type PlexShowMapping,
  releaseHeldWebhooks,
  upsertMapping,
  upsertMovieMapping,
} from '@plexhook/db';
import { enqueueWebhook, type WebhookQueue } from '@plexhook/queue';
import type { Logger } from 'pino';
import { z } from 'zod';
import { int4, parseInput } from '../validation';

const ACTION_ALIASES: Record<string, string> = { selected: 'user_selected', create_new: 'user_created_new' };
const PositiveId = int4();

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
      // tvshowId for a show conflict, movieId for a movie conflict (checked against the conflict).
      z
        .object({
          action: z.literal('user_selected'),
          tvshowId: PositiveId.optional(),
          movieId: PositiveId.optional(),
        })
        .refine((v) => (v.tvshowId === undefined) !== (v.movieId === undefined), {
          error: 'user_selected needs exactly one of tvshowId (show conflict) or movieId (movie conflict)',
          path: ['tvshowId'],
        }),
      z
        .object({
          action: z.literal('user_created_new'),
          show: CatalogShowSchema.optional(),
          movie: CatalogMovieSchema.optional(),
        })
        .refine((v) => (v.show === undefined) !== (v.movie === undefined), {
          error: 'user_created_new needs exactly one of show (show conflict) or movie (movie conflict)',
          path: ['show'],
        }),
      z.object({ action: z.literal('ignored') }),
    ],
    { error: 'action must be one of user_selected (selected), user_created_new (create_new), ignored' },
  ),
);
export type ResolveConflictInput = z.infer<typeof ResolveConflictSchema>;

export type ResolveDeps = { db: Db; queue: WebhookQueue; logger: Logger };

export type ReplayResult = {
  replayed: number;
  skipped: number;
  failed: number;
  /** Held rows of an ignored conflict, released as `ignored_show` instead of replayed. */
  ignored?: number;
  error?: string;
};

export type ResolvedMapping =
  | (PlexShowMapping & { mediaType: 'show' })
  | (PlexMovieMapping & { mediaType: 'movie' });

export type ResolveResult = {
  conflict: PlexConflict & { heldWebhooks: number };
  /** The plex_show_mappings row (mediaType show) or plex_movie_mappings row (mediaType movie). */
  mapping: ResolvedMapping;
  replayed: number;
  /** Present when some held scrobbles could not be re-enqueued (Redis away): retry with replay. */
  replayError?: string;
};

/** A body for the other kind of conflict is a client mistake: say so plainly. */
function checkMediaType(conflictId: number, mediaType: MediaType, input: ResolveConflictInput): void {
  const wrong = (given: string, wanted: string) =>
    badRequest(`conflict ${conflictId} is about a ${mediaType}: resolve it with ${wanted}, not ${given}`);
  if (mediaType === 'show') {
    if (input.action === 'user_selected' && input.movieId !== undefined) throw wrong('movieId', 'tvshowId');
    if (input.action === 'user_created_new' && input.movie !== undefined) throw wrong('movie', 'show');
  } else {
    if (input.action === 'user_selected' && input.tvshowId !== undefined) throw wrong('tvshowId', 'movieId');
    if (input.action === 'user_created_new' && input.show !== undefined) throw wrong('show', 'movie');
  }
}

/** The catalogue entry a resolution points at (null when ignored), created if asked. */
async function chosenTarget(tx: DbOrTx, input: ResolveConflictInput): Promise<number | null> {
  if (input.action === 'user_selected') {
    if (input.movieId !== undefined) {
      const movie = await findMovieRef(tx, input.movieId);
      if (!movie) throw badRequest(`movieId: movie ${input.movieId} does not exist`);
      return movie.id;
    }
    const show = input.tvshowId === undefined ? null : await findShowRef(tx, input.tvshowId);
    if (!show) throw badRequest(`tvshowId: show ${input.tvshowId} does not exist`);
    return show.id;
  }
  if (input.action === 'user_created_new') {
    // Through the catalogue import, so an entry that exists already (same tmdb id...) is reused.
    if (input.movie) return (await importMovie(tx, input.movie)).id;
    if (input.show) return (await importShow(tx, input.show)).id;
  }
  return null;
}

/**
 * Resolves a show or movie conflict: the decision, the mapping (plex_show_mappings or
 * plex_movie_mappings) and (for a new show or movie) the catalogue entry are written in one
 * transaction; then the scrobbles held on the conflict are put back on the queue, where the
 * worker finds the new mapping. Used by both the API and the CLI.
 */
export async function resolveConflict(
  deps: ResolveDeps,
  conflictId: number,
  body: unknown,
): Promise<ResolveResult> {
  const input = parseInput(ResolveConflictSchema, body);
  const mapping = await inTransaction(
    deps.db,
    async (tx): Promise<ResolvedMapping> => {
      const found = await findConflictRow(tx, conflictId);
      if (!found) throw notFound(`conflict ${conflictId} not found`);
      checkMediaType(conflictId, found.mediaType, input);
      if (found.resolved) throw conflictError(`conflict ${conflictId} is already resolved`);

      const targetId = await chosenTarget(tx, input);
      const isMovie = found.mediaType === 'movie';
      const resolved = await markConflictResolved(tx, conflictId, {
        action: input.action,
        ...(isMovie ? { movieId: targetId } : { tvshowId: targetId }),
      });
      if (!resolved) {
        // Someone resolved it between our read and our update.
        throw conflictError(`conflict ${conflictId} is already resolved`);
      }
      const ignored = input.action === 'ignored';
      // The mapping is filed where the conflict was: the same source, server and key.
      const fields = {
        source: found.source,
        serverId: found.serverId,
        userId: found.userId,
        plexRatingKey: found.plexRatingKey,
        plexGuid: found.plexGuid,
        plexTitle: found.plexTitle,
        plexYear: found.plexYear,
        matchMethod: 'manual' as const,
        matchConfidence: 1,
        syncEnabled: !ignored,
      };
      const saved: ResolvedMapping = isMovie
        ? { ...(await upsertMovieMapping(tx, { ...fields, movieId: targetId })), mediaType: 'movie' }
        : { ...(await upsertMapping(tx, { ...fields, tvshowId: targetId })), mediaType: 'show' };
      if (ignored) await releaseAsIgnored(tx, conflictId);
      return saved;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );

  let replay: ReplayResult;
  if (input.action === 'ignored') {
    // Final re-check: a worker that saw the conflict open may have held a scrobble on it
    // after our transaction; it is ignored like the rest.
    replay = { replayed: 0, skipped: 0, failed: 0, ignored: await releaseAsIgnored(deps.db, conflictId) };
  } else {
    replay = await replayHeldWebhooks(deps, conflictId);
    if (!replay.error) {
      // Final re-check, for the same late writer: replay what was held meanwhile.
      const late = await replayHeldWebhooks(deps, conflictId);
      replay = {
        replayed: replay.replayed + late.replayed,
        skipped: replay.skipped + late.skipped,
        failed: late.failed,
        ...(late.error ? { error: late.error } : {}),
      };
    }
  }
  const after = await getConflict(deps.db, conflictId);
  deps.logger.info(
    {
      conflictId,
      mediaType: mapping.mediaType,
      action: input.action,
      tvshowId: mapping.mediaType === 'show' ? mapping.tvshowId : undefined,
      movieId: mapping.mediaType === 'movie' ? mapping.movieId : undefined,
      replayed: replay.replayed,
    },
    'conflict resolved',
  );
  return {
    conflict: after!,
    mapping,
    replayed: replay.replayed,
    ...(replay.error ? { replayError: replay.error } : {}),
  };
}

/** Held scrobbles of an ignored show or movie: final `ignored_show`, never replayed. */
async function releaseAsIgnored(db: DbOrTx, conflictId: number): Promise<number> {
  const held = await listHeldWebhooks(db, conflictId);
  return releaseHeldWebhooks(
    db,
    held.map((row) => row.id),
    'ignored_show',
  );
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
        // The row's source picks the adapter that reads its payload again.
        source: row.source,
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

/**
 * Replays what a resolved conflict still holds: after a replay failed half-way, or a scrobble
 * a worker held on the conflict after it was resolved. On an ignored conflict those rows are
 * released as `ignored_show` instead (counted in `ignored`).
 */
export async function replayResolvedConflict(deps: ResolveDeps, conflictId: number): Promise<ReplayResult> {
  const found = await findConflictRow(deps.db, conflictId);
  if (!found) throw notFound(`conflict ${conflictId} not found`);
  if (!found.resolved) throw conflictError(`conflict ${conflictId} is not resolved yet`);
  if (found.resolutionAction === 'ignored') {
    return { replayed: 0, skipped: 0, failed: 0, ignored: await releaseAsIgnored(deps.db, conflictId) };
  }
  return replayHeldWebhooks(deps, conflictId);
}

import type { DbOrTx } from '../client';
import {
  type EventSource,
  type MediaType,
  type PlexConflict,
  type PlexWebhookLog,
  Prisma,
  type ResolutionAction,
  type WebhookAction,
} from '../generated/client';
import { PLEX_SCOPE, type SourceScope } from './mappings';

/** Log rows whose scrobble waits on a conflict; resolving the conflict replays them. */
export const HELD_ACTIONS: WebhookAction[] = ['conflict_created', 'conflict_pending'];

export type ConflictWithHeld = PlexConflict & { heldWebhooks: number };

const heldCount = {
  _count: { select: { webhookLogs: { where: { actionTaken: { in: HELD_ACTIONS } } } } },
} as const;

function withHeld(row: PlexConflict & { _count: { webhookLogs: number } }): ConflictWithHeld {
  const { _count, ...conflict } = row;
  return { ...conflict, heldWebhooks: _count.webhookLogs };
}

export type ListConflictsQuery = {
  resolved?: boolean;
  userId?: number;
  source?: EventSource;
  mediaType?: MediaType;
  limit?: number;
  offset?: number;
};

/** Newest first, each with the number of scrobbles held on it. */
export async function listConflicts(db: DbOrTx, query: ListConflictsQuery = {}): Promise<ConflictWithHeld[]> {
  const rows = await db.plexConflict.findMany({
    where: {
      resolved: query.resolved,
      userId: query.userId,
      source: query.source,
      mediaType: query.mediaType,
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit ?? 100,
    skip: query.offset ?? 0,
    include: heldCount,
  });
  return rows.map(withHeld);
}

export async function getConflict(db: DbOrTx, id: number): Promise<ConflictWithHeld | null> {
  const row = await db.plexConflict.findUnique({ where: { id }, include: heldCount });
  return row ? withHeld(row) : null;
}

export async function countUnresolvedConflicts(db: DbOrTx): Promise<number> {
  return db.plexConflict.count({ where: { resolved: false } });
}

/**
 * Marks an open conflict resolved: `tvshowId` for a show conflict, `movieId` for a movie one
 * (both null/absent when ignored). Conditional on `resolved = false`, so of two concurrent
 * resolutions exactly one gets `true` (the other waits for the row lock, then matches nothing).
 */
export async function markConflictResolved(
  db: DbOrTx,
  id: number,
  resolution: { action: ResolutionAction; tvshowId?: number | null; movieId?: number | null; at?: Date },
): Promise<boolean> {
  const updated = await db.plexConflict.updateMany({
    where: { id, resolved: false },
    data: {
      resolved: true,
      resolutionAction: resolution.action,
      resolvedTvshowId: resolution.tvshowId ?? null,
      resolvedMovieId: resolution.movieId ?? null,
      resolvedAt: resolution.at ?? new Date(),
    },
  });
  return updated.count === 1;
}

/** The scrobbles still held on a conflict, oldest first (the order they are replayed in). */
export async function listHeldWebhooks(db: DbOrTx, conflictId: number): Promise<PlexWebhookLog[]> {
  return db.plexWebhookLog.findMany({
    where: { conflictId, actionTaken: { in: HELD_ACTIONS } },
    orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
  });
}

/** Marks held scrobbles with a final action (`replayed`, or `ignored_show` for an ignored show or movie). */
export async function releaseHeldWebhooks(
  db: DbOrTx,
  ids: number[],
  action: Extract<WebhookAction, 'replayed' | 'ignored_show'>,
): Promise<number> {
  if (ids.length === 0) return 0;
  const updated = await db.plexWebhookLog.updateMany({
    // Still held: a row released meanwhile by someone else is not counted twice.
    where: { id: { in: ids }, actionTaken: { in: HELD_ACTIONS } },
    data: action === 'ignored_show' ? { actionTaken: action, status: 'ignored' } : { actionTaken: action },
  });
  return updated.count;
}

// What the worker writes and reads of conflicts while handling a scrobble.

/** A conflict row as the worker opens it; shows and movies alike (media_type says which), per
 * source and server like mappings. */
export type ConflictDraft = SourceScope & {
  userId: number;
  plexRatingKey: string;
  plexGuid: string | null;
  plexTitle: string;
  plexYear: number | null;
  mediaType: MediaType;
  conflictType: PlexConflict['conflictType'];
  /** Ranked candidates with their evidence (jsonb). */
  potentialMatches: unknown[];
};

/** The open conflict of a source item for a user, if any (any kind: a server's keys are unique). */
export async function findOpenConflictId(
  db: DbOrTx,
  userId: number,
  plexRatingKey: string,
  scope: SourceScope = PLEX_SCOPE,
): Promise<number | null> {
  const open = await db.plexConflict.findFirst({
    where: { userId, source: scope.source, serverId: scope.serverId, plexRatingKey, resolved: false },
    select: { id: true },
  });
  return open?.id ?? null;
}

const draftData = (draft: ConflictDraft) => ({
  ...draft,
  potentialMatches: draft.potentialMatches as Prisma.InputJsonValue,
});

/** Opens the conflict, or joins the one another worker opened a moment ago. */
export async function openConflict(
  db: DbOrTx,
  draft: ConflictDraft,
): Promise<{ conflictId: number; created: boolean }> {
  try {
    const conflict = await db.plexConflict.create({ data: draftData(draft), select: { id: true } });
    return { conflictId: conflict.id, created: true };
  } catch (err) {
    // P2002 on the partial unique index (one open conflict per user, source, server and key).
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const open = await findOpenConflictId(db, draft.userId, draft.plexRatingKey, draft);
      if (open !== null) return { conflictId: open, created: false };
    }
    throw err;
  }
}

/** auto_resolve with decisive evidence: the conflict is recorded already resolved, for the audit trail. */
export async function recordAutoResolvedConflict(
  db: DbOrTx,
  draft: ConflictDraft,
  targetId: number,
): Promise<number> {
  const conflict = await db.plexConflict.create({
    data: {
      ...draftData(draft),
      ...(draft.mediaType === 'movie' ? { resolvedMovieId: targetId } : { resolvedTvshowId: targetId }),
      resolved: true,
      resolutionAction: 'auto_resolved',
      resolvedAt: new Date(),
    },
    select: { id: true },
  });
  return conflict.id;
}

import type { DbOrTx } from '../client';
import type { MatchMethod, PlexShowMapping } from '../generated/client';

export type ListMappingsQuery = { userId?: number; tvshowId?: number; limit?: number; offset?: number };

export type MappingWithShow = PlexShowMapping & {
  tvshow: { id: number; title: string; showStartDate: Date | null } | null;
};

export async function listMappings(db: DbOrTx, query: ListMappingsQuery = {}): Promise<MappingWithShow[]> {
  return db.plexShowMapping.findMany({
    where: { userId: query.userId, tvshowId: query.tvshowId },
    orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
    take: query.limit ?? 100,
    skip: query.offset ?? 0,
    include: { tvshow: { select: { id: true, title: true, showStartDate: true } } },
  });
}

export async function getMapping(db: DbOrTx, id: number): Promise<PlexShowMapping | null> {
  return db.plexShowMapping.findUnique({ where: { id } });
}

/** Deleting a mapping makes the next scrobble of that show go through matching again. */
export async function deleteMapping(db: DbOrTx, id: number): Promise<boolean> {
  const deleted = await db.plexShowMapping.deleteMany({ where: { id } });
  return deleted.count === 1;
}

export type MappingInput = {
  userId: number;
  plexRatingKey: string;
  plexGuid: string | null;
  plexTitle: string;
  plexYear: number | null;
  /** null together with syncEnabled false: the person chose to ignore the show. */
  tvshowId: number | null;
  matchMethod: MatchMethod;
  matchConfidence: number;
  syncEnabled: boolean;
};

/** One mapping per (user, Plex rating key): a newer decision replaces the old one. */
export async function upsertMapping(db: DbOrTx, input: MappingInput): Promise<PlexShowMapping> {
  const { userId, plexRatingKey, ...rest } = input;
  return db.plexShowMapping.upsert({
    where: { userId_plexRatingKey: { userId, plexRatingKey } },
    create: input,
    update: rest,
  });
}

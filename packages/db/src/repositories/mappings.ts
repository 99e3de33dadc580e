import type { DbOrTx } from '../client';
import {
  type EventSource,
  type MatchMethod,
  type MediaType,
  type PlexMovieMapping,
  type PlexShowMapping,
  Prisma,
} from '../generated/client';

// Two tables: plex_show_mappings (a source's show key -> tvshow) and plex_movie_mappings
// (a source's movie key -> movie). Their ids are separate sequences, so an id alone does
// not name a mapping: every id-based function here takes the media type too (default show).
// A mapping is per (user, source, server, key): a Jellyfin series id and a Plex rating key of
// the same show are two mappings to one catalogue show.

/** Which media server a key belongs to. Plex rows have server_id '' (their keys predate it). */
export type SourceScope = { source: EventSource; serverId: string };
export const PLEX_SCOPE: SourceScope = { source: 'plex', serverId: '' };

/** The scope of an event: Plex keeps '' as its server (existing rows), the others their server id. */
export function sourceScope(source: EventSource, serverId: string | undefined): SourceScope {
  return source === 'plex' ? PLEX_SCOPE : { source, serverId: serverId ?? '' };
}

export type ListMappingsQuery = {
  userId?: number;
  /** Only mappings of this source. */
  source?: EventSource;
  /** Only this kind; both when absent. */
  mediaType?: MediaType;
  /** Only show mappings to this show (implies mediaType show). */
  tvshowId?: number;
  /** Only movie mappings to this movie (implies mediaType movie). */
  movieId?: number;
  limit?: number;
  offset?: number;
};

export type ShowMappingItem = PlexShowMapping & {
  mediaType: 'show';
  tvshow: { id: number; title: string; showStartDate: Date | null } | null;
};
export type MovieMappingItem = PlexMovieMapping & {
  mediaType: 'movie';
  movie: { id: number; title: string; year: number | null } | null;
};
export type MappingItem = ShowMappingItem | MovieMappingItem;
/** @deprecated the show half of MappingItem; kept for existing callers. */
export type MappingWithShow = ShowMappingItem;

const DEFAULT_LIMIT = 100;
/** Each table's target column, and what a listed mapping carries of its target. */
const TARGET = { show: 'tvshowId', movie: 'movieId' } as const;
const TARGET_INCLUDE = {
  show: { tvshow: { select: { id: true, title: true, showStartDate: true } } },
  movie: { movie: { select: { id: true, title: true, year: true } } },
} as const;
const newestFirst = [{ updatedAt: 'desc' as const }, { id: 'desc' as const }];

/**
 * Mappings newest first (last update), each with `mediaType` and its show or movie. Without a
 * media type both tables are read and merged, so paging stays exact across them.
 */
export async function listMappings(db: DbOrTx, query: ListMappingsQuery = {}): Promise<MappingItem[]> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const offset = query.offset ?? 0;
  const wantShows = query.mediaType !== 'movie' && query.movieId === undefined;
  const wantMovies = query.mediaType !== 'show' && query.tvshowId === undefined;
  const both = wantShows && wantMovies;
  // Merging two sorted lists: the page [offset, offset + limit) is within the first
  // offset + limit rows of each.
  const page = both ? { take: offset + limit, skip: 0 } : { take: limit, skip: offset };

  const read = (mediaType: MediaType, targetId: number | undefined) =>
    table(db, mediaType).findMany({
      where: { userId: query.userId, source: query.source, [TARGET[mediaType]]: targetId },
      orderBy: newestFirst,
      ...page,
      include: TARGET_INCLUDE[mediaType],
    }) as Promise<unknown[]>;
  const [shows, movies] = await Promise.all([
    wantShows ? (read('show', query.tvshowId) as Promise<Omit<ShowMappingItem, 'mediaType'>[]>) : [],
    wantMovies ? (read('movie', query.movieId) as Promise<Omit<MovieMappingItem, 'mediaType'>[]>) : [],
  ]);
  const items: MappingItem[] = [
    ...shows.map((m) => ({ ...m, mediaType: 'show' as const })),
    ...movies.map((m) => ({ ...m, mediaType: 'movie' as const })),
  ];
  if (!both) return items;
  items.sort(
    (a, b) =>
      b.updatedAt.getTime() - a.updatedAt.getTime() ||
      // Same instant: a stable order, shows before movies, then newest id first.
      (a.mediaType === b.mediaType ? b.id - a.id : a.mediaType === 'show' ? -1 : 1),
  );
  return items.slice(offset, offset + limit);
}

export async function getMapping(db: DbOrTx, id: number): Promise<PlexShowMapping | null> {
  return db.plexShowMapping.findUnique({ where: { id } });
}

export async function getMovieMapping(db: DbOrTx, id: number): Promise<PlexMovieMapping | null> {
  return db.plexMovieMapping.findUnique({ where: { id } });
}

/**
 * Deleting a mapping makes the next scrobble of that show (or movie) go through matching
 * again. Show and movie mapping ids are separate sequences: say which one.
 */
export async function deleteMapping(db: DbOrTx, id: number, mediaType: MediaType = 'show'): Promise<boolean> {
  const deleted = await table(db, mediaType).deleteMany({ where: { id } });
  return deleted.count === 1;
}

export type MappingFields = SourceScope & {
  userId: number;
  plexRatingKey: string;
  plexGuid: string | null;
  plexTitle: string;
  plexYear: number | null;
  matchMethod: MatchMethod;
  matchConfidence: number;
  syncEnabled: boolean;
};

export type MappingInput = MappingFields & {
  /** null together with syncEnabled false: the person chose to ignore the show. */
  tvshowId: number | null;
};

export type MovieMappingInput = MappingFields & {
  /** null together with syncEnabled false: the person chose to ignore the movie. */
  movieId: number | null;
};

/**
 * How an existing mapping meets a new one: a person's decision `replace`s it; the worker's
 * automatic match `keep`s it (a concurrent worker or a person decided a moment ago).
 */
export type OnExistingMapping = 'replace' | 'keep';

/** One mapping per (user, source, server, key); upsertMovieMapping for a movie (its own key). */
export const upsertMapping = (db: DbOrTx, input: MappingInput, onExisting: OnExistingMapping = 'replace') =>
  upsert(db, 'show', input, onExisting) as Promise<PlexShowMapping>;
export const upsertMovieMapping = (
  db: DbOrTx,
  input: MovieMappingInput,
  onExisting: OnExistingMapping = 'replace',
) => upsert(db, 'movie', input, onExisting) as Promise<PlexMovieMapping>;

/** What a mapping is read for while handling a scrobble: its target and whether it syncs. */
export type MappingTarget = { targetId: number | null; syncEnabled: boolean };

const toTarget = (m: { tvshowId?: number | null; movieId?: number | null; syncEnabled: boolean }) => ({
  targetId: m.tvshowId ?? m.movieId ?? null,
  syncEnabled: m.syncEnabled,
});

/** The mapping of a source item of this kind for a user, or null. */
export async function findMappingTarget(
  db: DbOrTx,
  mediaType: MediaType,
  userId: number,
  plexRatingKey: string,
  scope: SourceScope = PLEX_SCOPE,
): Promise<MappingTarget | null> {
  const { source, serverId } = scope;
  const m = await table(db, mediaType).findUnique({
    where: { userId_source_serverId_plexRatingKey: { userId, source, serverId, plexRatingKey } },
  });
  return m ? toTarget(m) : null;
}

/**
 * The worker's automatic mapping of a source item to a catalogue entry; if one exists already (a
 * concurrent worker, or a person a moment ago), it is kept and returned.
 */
export async function saveMatchedMapping(
  db: DbOrTx,
  mediaType: MediaType,
  fields: MappingFields,
  targetId: number,
): Promise<MappingTarget & { matchMethod: MatchMethod; matchConfidence: number }> {
  const input = mediaType === 'movie' ? { ...fields, movieId: targetId } : { ...fields, tvshowId: targetId };
  const saved = await upsert(db, mediaType, input, 'keep');
  return { ...toTarget(saved), matchMethod: saved.matchMethod, matchConfidence: saved.matchConfidence };
}

// The two tables have the same shape but for their target column; one delegate serves both.
type Delegate = {
  findMany(args: object): Promise<unknown[]>;
  upsert(args: object): Promise<PlexShowMapping | PlexMovieMapping>;
  findUnique(args: object): Promise<PlexShowMapping | PlexMovieMapping | null>;
  deleteMany(args: object): Promise<{ count: number }>;
};

function table(db: DbOrTx, mediaType: MediaType): Delegate {
  return (mediaType === 'movie' ? db.plexMovieMapping : db.plexShowMapping) as unknown as Delegate;
}

async function upsert(
  db: DbOrTx,
  mediaType: MediaType,
  input: MappingInput | MovieMappingInput,
  onExisting: OnExistingMapping,
): Promise<PlexShowMapping | PlexMovieMapping> {
  const { userId, plexRatingKey, source, serverId, ...rest } = input;
  const run = () =>
    table(db, mediaType).upsert({
      where: { userId_source_serverId_plexRatingKey: { userId, source, serverId, plexRatingKey } },
      create: input,
      update: onExisting === 'replace' ? rest : {},
    });
  try {
    return await run();
  } catch (err) {
    // Prisma's upsert reads, then inserts: two workers mapping the same new item at once both
    // miss the row and one insert loses on the unique key. The row exists now, so the second
    // try takes the update branch (for 'keep': returns the winner's mapping).
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return run();
    throw err;
  }
}

/**
 * The LEFT JOINs that resolve a row naming a source's item (columns `source`, `server_id`,
 * `media_type`, `show_key`, `item_key`, `season`, `episode`, as playback_sessions and ratings
 * have them) to catalogue ids through the user's mappings: `sm.tvshow_id`, `e.id` (the episode
 * at season/episode of the mapped show) and `mm.movie_id`, each null while unmapped.
 * `showKinds`: the media types whose show_key names a show (a rated show as well as episodes).
 * Plain SQL text over a table alias, for raw statements (`Prisma.raw`, or a text query).
 */
export function mappedIdsJoins(alias: string, showKinds: readonly string[] = ['episode']): string {
  const a = alias;
  const kinds = showKinds.map((k) => `'${k}'`).join(', ');
  return `
      LEFT JOIN plex_show_mappings sm
             ON ${a}.media_type IN (${kinds}) AND sm.user_id = ${a}.user_id AND sm.source = ${a}.source
            AND sm.server_id = ${a}.server_id AND sm.plex_rating_key = ${a}.show_key
      LEFT JOIN episodes e
             ON ${a}.media_type = 'episode' AND e.tvshow_id = sm.tvshow_id
            AND e.season_number = ${a}.season AND e.episode_number = ${a}.episode
      LEFT JOIN plex_movie_mappings mm
             ON ${a}.media_type = 'movie' AND mm.user_id = ${a}.user_id AND mm.source = ${a}.source
            AND mm.server_id = ${a}.server_id AND mm.plex_rating_key = ${a}.item_key`;
}

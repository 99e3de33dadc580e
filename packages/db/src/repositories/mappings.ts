import type { DbOrTx } from '../client';
import type { MatchMethod, MediaType, PlexMovieMapping, PlexShowMapping } from '../generated/client';

// Two tables: plex_show_mappings (a Plex show's rating key -> tvshow) and plex_movie_mappings
// (a Plex movie's rating key -> movie). Their ids are separate sequences, so an id alone does
// not name a mapping: every id-based function here takes the media type too (default show).

export type ListMappingsQuery = {
  userId?: number;
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

  const [shows, movies] = await Promise.all([
    wantShows
      ? db.plexShowMapping.findMany({
          where: { userId: query.userId, tvshowId: query.tvshowId },
          orderBy: newestFirst,
          ...page,
          include: { tvshow: { select: { id: true, title: true, showStartDate: true } } },
        })
      : [],
    wantMovies
      ? db.plexMovieMapping.findMany({
          where: { userId: query.userId, movieId: query.movieId },
          orderBy: newestFirst,
          ...page,
          include: { movie: { select: { id: true, title: true, year: true } } },
        })
      : [],
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
  const deleted =
    mediaType === 'movie'
      ? await db.plexMovieMapping.deleteMany({ where: { id } })
      : await db.plexShowMapping.deleteMany({ where: { id } });
  return deleted.count === 1;
}

type MappingFields = {
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

/** One mapping per (user, Plex rating key). */
export async function upsertMapping(
  db: DbOrTx,
  input: MappingInput,
  onExisting: OnExistingMapping = 'replace',
): Promise<PlexShowMapping> {
  const { userId, plexRatingKey, ...rest } = input;
  return db.plexShowMapping.upsert({
    where: { userId_plexRatingKey: { userId, plexRatingKey } },
    create: input,
    update: onExisting === 'replace' ? rest : {},
  });
}

/** Like upsertMapping, for a Plex movie (its own rating key). */
export async function upsertMovieMapping(
  db: DbOrTx,
  input: MovieMappingInput,
  onExisting: OnExistingMapping = 'replace',
): Promise<PlexMovieMapping> {
  const { userId, plexRatingKey, ...rest } = input;
  return db.plexMovieMapping.upsert({
    where: { userId_plexRatingKey: { userId, plexRatingKey } },
    create: input,
    update: onExisting === 'replace' ? rest : {},
  });
}

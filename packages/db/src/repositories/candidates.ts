// The catalogue reads of matching: entries by external id, candidates by title (pg_trgm), and
// entries by id for a conflict's list. Shows and movies alike; a show candidate also carries the
// catalogue's episode at the played S/E and its last season (core's scoring reads both).
import {
  type CandidateMovie,
  type CandidateShow,
  type CatalogueIds,
  contendersTrigramThreshold,
  FULL_LIST_TRIGRAM_THRESHOLD,
  type IdLookup,
  normalizeTitle,
  titleTrigrams,
} from '@plexhook/core';
import type { DbOrTx } from '../client';
import { type MediaType, Prisma } from '../generated/client';

/** What each kind's candidate is (core's scoring input). */
export type CandidateOf = { show: CandidateShow; movie: CandidateMovie };

/** What a candidate search reads of the query: its titles and, for a show, the played S/E. */
export type CandidateQuery = { title: string; originalTitle?: string; season?: number; episode?: number };

// Trigram similarity over the indexed normalised titles (pg_trgm's `%` uses the GIN indexes), so
// the first match of a new show or movie costs index probes, not a scan of the catalogue. One
// branch per (column, searched title), each answerable by its own index: an OR across columns
// makes the planner scan the whole table. The branches for Plex's original title are skipped
// (one-time filter) when it is the same as the title. A row found by several branches counts
// once, with its best similarity. `=` is kept only where a btree serves it (normalized_title): on
// the original title, `%` alone finds every equal title (a normalised title is letters, digits and
// spaces, so it has trigrams), and an OR with `=` there tempts the planner into a table scan.
// Ordering by the best matching branch equals a GREATEST over all four similarities: a branch
// that did not match is below the threshold, hence below one that did.
export const MAX_CANDIDATES = 20;

/**
 * `contenders`: only what a match decision needs, fast. Every title that can be auto-matched or
 * make a case ambiguous (title score >= AUTO_MATCH_MIN_TITLE_SCORE) is found, at a threshold
 * proven for the searched titles (core's contendersTrigramThreshold), usually 0.5-0.7 instead of
 * 0.3: a title of common words ("X and Y", "X of Paris") then no longer pulls thousands of rows
 * through the GIN index for the recheck to drop. The list is a prefix of the full one (best
 * first), so a decision made on it is the decision the full list gives; only a conflict needs the
 * rest (`full`), for its list of candidates.
 */
export type CandidateScope = 'contenders' | 'full';

export type TitleSearch = {
  normalized: string;
  original: string;
  /** pg_trgm.similarity_threshold for this search. */
  threshold: number;
  /** Trigram counts the threshold was derived from; PostgreSQL confirms them (show_trgm). */
  trigrams: { normalized: number; original: number };
};

/** The searched titles, normalised; null when the title normalises to nothing. */
export function searchedTitles(
  title: string,
  originalTitle: string | undefined,
  scope: CandidateScope = 'contenders',
): TitleSearch | null {
  const normalized = normalizeTitle(title);
  if (!normalized) return null;
  // Plex's original title (from its server), when it has one, finds the entry under that name.
  const original = originalTitle ? normalizeTitle(originalTitle) || normalized : normalized;
  const trigrams = { normalized: titleTrigrams(normalized).size, original: titleTrigrams(original).size };
  const threshold =
    scope === 'full'
      ? FULL_LIST_TRIGRAM_THRESHOLD
      : contendersTrigramThreshold([
          { normalized, trigramCount: trigrams.normalized },
          { normalized: original, trigramCount: trigrams.original },
        ]);
  return { normalized, original, threshold, trigrams };
}

/** True when a `contenders` search may have left out candidates that the full list has. */
export function mayBeIncomplete(search: TitleSearch, found: number): boolean {
  return search.threshold > FULL_LIST_TRIGRAM_THRESHOLD && found < MAX_CANDIDATES;
}

/**
 * `WITH q AS (...), hit AS (...), best AS (id, s)`: the ids of the best candidates of `table`,
 * for a query to join back to. The table comes from a closed set, never from input.
 *
 * The threshold is set inside the statement, for this statement only: `%` reads the GUC
 * pg_trgm.similarity_threshold (there is no operator taking a threshold), and the alternatives
 * cost more or reach further. `SET LOCAL` needs a transaction: BEGIN, SET, query, COMMIT through
 * Prisma measured +2.5 ms at p50. A per-connection setting (connection string `options=-c ...`,
 * set_limit()) would change every `%` on the pool, needs the pool's owner to set it, and cannot
 * differ per title. `similarity(...) >= x` next to `%` filters only after the index and the
 * recheck did the work. So `q` calls set_config(..., is_local => true), and every `%` takes its
 * right-hand side from `q` through a scalar subquery: a scan cannot start before its index key is
 * computed, so the setting is in place before any `%` or GIN consistency check reads it (they read
 * it at every call). is_local: the implicit transaction of the statement ends with it, so the
 * session keeps its own value; inside an explicit transaction the value stays until its end,
 * which no other query notices: every trigram search sets its own. The narrowed threshold is used
 * only when PostgreSQL's own trigram counts (show_trgm: its ctype, its hashing of multibyte
 * trigrams) equal those it was derived from; otherwise the search runs at the full list's 0.3.
 */
export function bestTitleHits(table: 'tvshows' | 'movies', search: TitleSearch): Prisma.Sql {
  const t = Prisma.raw(table);
  const { normalized, original } = search;
  return Prisma.sql`WITH q AS MATERIALIZED (
      SELECT ${normalized}::text AS n, ${original}::text AS o,
             set_config('pg_trgm.similarity_threshold',
               CASE WHEN cardinality(show_trgm(${normalized}::text)) = ${search.trigrams.normalized}::int
                     AND cardinality(show_trgm(${original}::text)) = ${search.trigrams.original}::int
                    THEN ${String(search.threshold)}::text ELSE ${String(FULL_LIST_TRIGRAM_THRESHOLD)}::text END,
               true) AS threshold
    ), hit AS (
      SELECT id, similarity(normalized_title, ${normalized}) AS s FROM ${t}
       WHERE normalized_title = ${normalized} OR normalized_title % (SELECT n FROM q)
      UNION ALL
      SELECT id, similarity(normalized_original_title, ${normalized}) FROM ${t}
       WHERE normalized_original_title % (SELECT n FROM q)
      UNION ALL
      SELECT id, similarity(normalized_title, ${original}) FROM ${t}
       WHERE ${original}::text <> ${normalized}::text
         AND (normalized_title = ${original} OR normalized_title % (SELECT o FROM q))
      UNION ALL
      SELECT id, similarity(normalized_original_title, ${original}) FROM ${t}
       WHERE ${original}::text <> ${normalized}::text
         AND (normalized_original_title % (SELECT o FROM q))
    ), best AS (
      SELECT id, max(s) AS s FROM hit GROUP BY id ORDER BY s DESC, id LIMIT ${MAX_CANDIDATES}
    )`;
}

type ShowRow = {
  id: number;
  title: string;
  original_title: string | null;
  show_start_date: Date | null;
  show_end_date: Date | null;
  tmdb_id: number | null;
  tvdb_id: number | null;
  imdb_id: string | null;
  max_season: number | null;
};

/**
 * The statement of a title search: the best hits joined back to their rows (for a show, with
 * its last season). bench/matching-scale.ts EXPLAINs exactly this SQL.
 */
export function titleCandidatesSql(mediaType: MediaType, search: TitleSearch): Prisma.Sql {
  if (mediaType === 'movie') {
    return Prisma.sql`${bestTitleHits('movies', search)}
    SELECT m.id, m.title, m.original_title AS "originalTitle", m.year,
           m.tmdb_id AS "tmdbId", m.imdb_id AS "imdbId"
      FROM best JOIN movies m ON m.id = best.id
     ORDER BY best.s DESC, m.id`;
  }
  return Prisma.sql`${bestTitleHits('tvshows', search)}
    SELECT t.id, t.title, t.original_title, t.show_start_date, t.show_end_date,
           t.tmdb_id, t.tvdb_id, t.imdb_id,
           (SELECT max(e.season_number) FROM episodes e WHERE e.tvshow_id = t.id) AS max_season
      FROM best JOIN tvshows t ON t.id = best.id
     ORDER BY best.s DESC, t.id`;
}

/** The catalogue's episodes at the played S/E of these shows, by show. */
async function episodesAt(db: DbOrTx, showIds: number[], query: CandidateQuery) {
  if (query.season === undefined || query.episode === undefined || showIds.length === 0) return new Map();
  const episodes = await db.episode.findMany({
    where: { tvshowId: { in: showIds }, seasonNumber: query.season, episodeNumber: query.episode },
    select: { tvshowId: true, title: true, airDate: true },
  });
  return new Map(episodes.map((e) => [e.tvshowId, e]));
}

/**
 * Candidates by title, best first. `complete` is false when a `contenders` search may have left
 * out weaker candidates that the full list has (see CandidateScope).
 */
export async function findTitleCandidates<K extends MediaType>(
  db: DbOrTx,
  mediaType: K,
  query: CandidateQuery,
  scope: CandidateScope = 'contenders',
): Promise<{ candidates: CandidateOf[K][]; complete: boolean }> {
  const search = searchedTitles(query.title, query.originalTitle, scope);
  if (!search) return { candidates: [], complete: true };
  const sql = titleCandidatesSql(mediaType, search);
  if (mediaType === 'movie') {
    const candidates = await db.$queryRaw<CandidateMovie[]>(sql);
    return {
      candidates: candidates as CandidateOf[K][],
      complete: !mayBeIncomplete(search, candidates.length),
    };
  }
  const rows = await db.$queryRaw<ShowRow[]>(sql);
  const complete = !mayBeIncomplete(search, rows.length);
  const byShow = await episodesAt(
    db,
    rows.map((r) => r.id),
    query,
  );
  const candidates: CandidateShow[] = rows.map((r) => ({
    id: r.id,
    title: r.title,
    originalTitle: r.original_title,
    showStartDate: r.show_start_date,
    showEndDate: r.show_end_date,
    episode: byShow.get(r.id) ?? null,
    tmdbId: r.tmdb_id,
    tvdbId: r.tvdb_id,
    imdbId: r.imdb_id,
    maxSeason: r.max_season,
  }));
  return { candidates: candidates as CandidateOf[K][], complete };
}

/** The entries carrying any of these external ids (one query), with their ids. */
export async function findByExternalIds(
  db: DbOrTx,
  mediaType: MediaType,
  lookups: IdLookup[],
): Promise<CatalogueIds[]> {
  if (lookups.length === 0) return [];
  const where = { OR: lookups.map((l) => ({ [l.field]: l.value })) };
  return mediaType === 'movie'
    ? db.movie.findMany({ where, select: { id: true, tmdbId: true, imdbId: true } })
    : db.tvShow.findMany({ where, select: { id: true, tmdbId: true, tvdbId: true, imdbId: true } });
}

/** Entries by id, as candidates (a conflict lists the entries Plex's ids name). */
export async function loadCandidates<K extends MediaType>(
  db: DbOrTx,
  mediaType: K,
  ids: number[],
  query: CandidateQuery,
): Promise<CandidateOf[K][]> {
  if (ids.length === 0) return [];
  if (mediaType === 'movie') {
    return (await db.movie.findMany({
      where: { id: { in: ids } },
      select: { id: true, title: true, originalTitle: true, year: true, tmdbId: true, imdbId: true },
    })) as CandidateOf[K][];
  }
  const [shows, seasons, byShow] = await Promise.all([
    db.tvShow.findMany({ where: { id: { in: ids } } }),
    db.episode.groupBy({ by: ['tvshowId'], where: { tvshowId: { in: ids } }, _max: { seasonNumber: true } }),
    episodesAt(db, ids, query),
  ]);
  const maxSeason = new Map(seasons.map((g) => [g.tvshowId, g._max.seasonNumber]));
  const candidates: CandidateShow[] = shows.map((s) => ({
    tmdbId: s.tmdbId,
    tvdbId: s.tvdbId,
    imdbId: s.imdbId,
    maxSeason: maxSeason.get(s.id) ?? null,
    id: s.id,
    title: s.title,
    originalTitle: s.originalTitle,
    showStartDate: s.showStartDate,
    showEndDate: s.showEndDate,
    episode: byShow.get(s.id) ?? null,
  }));
  return candidates as CandidateOf[K][];
}

/** The catalogue episode of a show at (season, number), if any. */
export async function findEpisodeId(
  db: DbOrTx,
  tvshowId: number,
  seasonNumber: number,
  episodeNumber: number,
): Promise<number | null> {
  const episode = await db.episode.findUnique({
    where: { tvshowId_seasonNumber_episodeNumber: { tvshowId, seasonNumber, episodeNumber } },
    select: { id: true },
  });
  return episode?.id ?? null;
}

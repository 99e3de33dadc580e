import { type DbOrTx, ownPool } from '../client';
import type { WatchSource } from '../generated/client';
import { mappedIdsJoins } from './mappings';

/**
 * One line of a user's export: an episode watch or a movie watch, with the user's current rating
 * of that episode or movie. The same flat shape for every kind, so CSV and JSON carry the same
 * fields: fields that do not apply to a kind are null.
 */
export type ExportRow = {
  kind: 'episode' | 'movie';
  /** ISO-8601 in UTC with milliseconds. */
  watchedAt: string;
  source: WatchSource;
  /** The show's title for an episode, the movie's for a movie. */
  title: string;
  /** A movie's year; for an episode, the year its show first aired. */
  year: number | null;
  tmdbId: number | null;
  tvdbId: number | null;
  imdbId: string | null;
  season: number | null;
  episode: number | null;
  episodeTitle: string | null;
  /**
   * The user's current rating (0-10) of this episode or movie, from any source (the newest when
   * two servers rated it), resolved through the mappings; null when unrated, cleared or unmapped.
   * A show rated as a whole is not an episode's rating (see GET /api/ratings).
   */
  rating: number | null;
};

/** Field order of the export, also the CSV header. */
export const EXPORT_FIELDS = [
  'kind',
  'watchedAt',
  'source',
  'title',
  'year',
  'tmdbId',
  'tvdbId',
  'imdbId',
  'season',
  'episode',
  'episodeTitle',
  'rating',
] as const satisfies readonly (keyof ExportRow)[];

type RawRow = {
  kind: 'episode' | 'movie';
  watched_at: Date;
  source: WatchSource;
  title: string;
  year: number | null;
  tmdb_id: number | null;
  tvdb_id: number | null;
  imdb_id: string | null;
  season: number | null;
  episode: number | null;
  episode_title: string | null;
  rating: number | null;
};

// Both kinds in one chronological list. One server-side cursor rather than keyset pages: there
// is no (user_id, watched_at, id) index, so every keyset page would re-read and re-sort all of
// the user's watches; the cursor sorts once and hands the rows over a batch at a time.
// The user's ratings are resolved once (a user has far fewer ratings than watches), the way
// GET /api/ratings resolves them, then joined to each watch by episode or movie.
const EXPORT_QUERY = `
  WITH rated AS (
    SELECT DISTINCT ON (e.id, mm.movie_id) e.id AS episode_id, mm.movie_id, r.rating
      FROM ratings r ${mappedIdsJoins('r')}
     WHERE r.user_id = $1 AND r.rating IS NOT NULL
       AND (e.id IS NOT NULL OR mm.movie_id IS NOT NULL)
     ORDER BY e.id, mm.movie_id, r.rated_at DESC
  )
  SELECT 'episode' AS kind, w.id, w.watched_at, w.source, s.title,
         EXTRACT(YEAR FROM s.show_start_date)::int AS year,
         s.tmdb_id, s.tvdb_id, s.imdb_id,
         e.season_number AS season, e.episode_number AS episode, e.title AS episode_title,
         re.rating
    FROM episode_watches w
    JOIN episodes e ON e.id = w.episode_id
    JOIN tvshows s ON s.id = e.tvshow_id
    LEFT JOIN rated re ON re.episode_id = w.episode_id
   WHERE w.user_id = $1
  UNION ALL
  SELECT 'movie', w.id, w.watched_at, w.source, m.title, m.year,
         m.tmdb_id, NULL, m.imdb_id, NULL, NULL, NULL, rm.rating
    FROM movie_watches w
    JOIN movies m ON m.id = w.movie_id
    LEFT JOIN rated rm ON rm.movie_id = w.movie_id
   WHERE w.user_id = $1
  ORDER BY watched_at, kind, id`;

export const EXPORT_BATCH_SIZE = 2_000;

/**
 * Every watch of a user, oldest first, read through a cursor in one read-only transaction (one
 * consistent snapshot, on one connection of the client's pool held until the last row or until
 * the consumer stops: returning from a `for await` closes the cursor). At most `batchSize` rows
 * are in memory at a time, whatever the user's history.
 */
export async function* streamUserExport(
  db: DbOrTx,
  userId: number,
  options: { batchSize?: number } = {},
): AsyncGenerator<ExportRow, void, undefined> {
  const pool = ownPool(db);
  if (!pool) throw new Error('streamUserExport needs a client made by createPrismaClient');
  const batchSize = options.batchSize ?? EXPORT_BATCH_SIZE;
  const conn = await pool.connect();
  let failed: unknown;
  try {
    await conn.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await conn.query(`DECLARE plexhook_export NO SCROLL CURSOR FOR ${EXPORT_QUERY}`, [userId]);
    for (;;) {
      const { rows } = await conn.query<RawRow>(`FETCH ${batchSize} FROM plexhook_export`);
      for (const r of rows) {
        yield {
          kind: r.kind,
          watchedAt: r.watched_at.toISOString(),
          source: r.source,
          title: r.title,
          year: r.year,
          tmdbId: r.tmdb_id,
          tvdbId: r.tvdb_id,
          imdbId: r.imdb_id,
          season: r.season,
          episode: r.episode,
          episodeTitle: r.episode_title,
          rating: r.rating,
        };
      }
      if (rows.length < batchSize) break;
    }
  } catch (err) {
    failed = err;
    throw err;
  } finally {
    // A consumer that stops early lands here too; ROLLBACK ends the read-only transaction and
    // its cursor either way. A connection that failed is not given back to the pool.
    const ended = await conn.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    conn.release(failed !== undefined && !ended ? (failed as Error) : undefined);
  }
}

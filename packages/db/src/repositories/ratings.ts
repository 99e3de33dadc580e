// Ratings (issue 18): one row per rated item (episode, show or movie) and user; the latest
// rating event wins by event time, and a clear keeps its row (rating null) with its time, so an
// older rate delivered late cannot bring a cleared rating back.
import { type DbOrTx, preparedQuery } from '../client';
import { type EventSource, type ItemKind, Prisma } from '../generated/client';
import { mappedIdsJoins } from './mappings';

export type RatingWrite = {
  userId: number;
  source: EventSource;
  serverId: string;
  mediaType: ItemKind;
  itemKey: string;
  showKey: string | null;
  title: string | null;
  season: number | null;
  episode: number | null;
  /** 0-10; null clears. */
  rating: number | null;
  ratedAt: Date;
};

/** Applies a rating unless a newer one is stored: true when it was applied. */
export async function saveRating(db: DbOrTx, w: RatingWrite): Promise<boolean> {
  const rows = await preparedQuery<{ id: number }>(
    db,
    Prisma.sql`
      INSERT INTO ratings AS r
             (user_id, source, server_id, media_type, item_key, show_key, title, season, episode,
              rating, rated_at, updated_at)
      VALUES (${w.userId}::int, ${w.source}::event_source, ${w.serverId}::text,
              ${w.mediaType}::item_kind, ${w.itemKey}::text, ${w.showKey}::text, ${w.title}::text,
              ${w.season}::int, ${w.episode}::int, ${w.rating}::float8, ${w.ratedAt}::timestamptz, now())
      ON CONFLICT (user_id, source, server_id, media_type, item_key) DO UPDATE
         SET rating = EXCLUDED.rating, rated_at = EXCLUDED.rated_at, show_key = EXCLUDED.show_key,
             title = EXCLUDED.title, season = EXCLUDED.season, episode = EXCLUDED.episode,
             updated_at = now()
       -- <=: a second run of the same job (same time) applies the same value again.
       WHERE r.rated_at <= EXCLUDED.rated_at
      RETURNING id`,
  );
  return rows.length > 0;
}

/** A rating as the API shows it: ids resolved through the mappings (null: unmapped). */
export type RatingItem = {
  userId: number;
  mediaType: ItemKind;
  tvshowId: number | null;
  episodeId: number | null;
  movieId: number | null;
  rating: number;
  ratedAt: Date;
  /** For the page (not part of the API's shape). */
  title: string | null;
  season: number | null;
  episode: number | null;
};

type RatingRow = {
  user_id: number;
  media_type: ItemKind;
  tvshow_id: number | null;
  episode_id: number | null;
  movie_id: number | null;
  rating: number;
  rated_at: Date;
  title: string | null;
  season: number | null;
  episode: number | null;
};

// A show rated as a whole resolves through its show's mapping too.
const RATING_IDS_JOINS = mappedIdsJoins('r', ['show', 'episode']);

/** Current ratings (cleared ones are not listed), newest first. */
export async function listRatings(db: DbOrTx, q: { userId?: number; limit?: number }): Promise<RatingItem[]> {
  const rows = await db.$queryRaw<RatingRow[]>`
    SELECT r.user_id, r.media_type::text AS media_type, sm.tvshow_id, e.id AS episode_id,
           mm.movie_id, r.rating, r.rated_at, r.title, r.season, r.episode
      FROM ratings r ${Prisma.raw(RATING_IDS_JOINS)}
     WHERE r.rating IS NOT NULL
       AND (${q.userId ?? null}::int IS NULL OR r.user_id = ${q.userId ?? null}::int)
     ORDER BY r.rated_at DESC
     LIMIT ${q.limit ?? 500}::int`;
  return rows.map((r) => ({
    userId: r.user_id,
    mediaType: r.media_type,
    tvshowId: r.tvshow_id,
    episodeId: r.episode_id,
    movieId: r.movie_id,
    rating: r.rating,
    ratedAt: r.rated_at,
    title: r.title,
    season: r.season,
    episode: r.episode,
  }));
}

import type { PlexPayload } from '@plexhook/core';
import { type Db, type PlexConfig, Prisma, preparedQuery } from '@plexhook/db';
import { Batcher, batcherFor } from '../batcher';
import type { WorkerDeps } from '../deps';

/** The part of a user's plex_config that handling a webhook reads. */
export type UserConfig = Pick<
  PlexConfig,
  | 'enabled'
  | 'plexUsernames'
  | 'autoMarkWatched'
  | 'autoResolve'
  | 'matchThreshold'
  | 'plexServerUrl'
  | 'plexToken'
>;

/** The log row of an earlier run of the same job. */
export type LoggedOutcome = {
  id: number;
  status: string;
  actionTaken: string | null;
  errorMessage: string | null;
};

/**
 * Everything the common case (a scrobble of an already mapped show or movie) reads, fetched in
 * one statement: the log row of an earlier run of this job, the user's config, the item's
 * mapping and, for an episode of a mapped show, the catalogue episode at (season, number).
 * A missing mapping is not trusted: the unmapped path reads it again right before it checks for
 * an open conflict, as it always did.
 */
export type EventContext = {
  done: LoggedOutcome | null;
  config: UserConfig | null;
  /** The rating key `showMapping` was looked up for (the episode's grandparentRatingKey). */
  showKey: string | null;
  showMapping: { tvshowId: number | null; syncEnabled: boolean } | null;
  /** The season/number `episodeId` was looked up for, and the episode (null: not in the catalogue). */
  episodeAt: { season: number; number: number } | null;
  episodeId: number | null;
  /** The rating key `movieMapping` was looked up for (the movie's own). */
  movieKey: string | null;
  movieMapping: { movieId: number | null; syncEnabled: boolean } | null;
};

type Row = {
  log_id: number | null;
  log_status: string | null;
  log_action: string | null;
  log_error: string | null;
  has_config: boolean;
  enabled: boolean | null;
  plex_usernames: string[] | null;
  auto_mark_watched: boolean | null;
  auto_resolve: boolean | null;
  match_threshold: number | null;
  plex_server_url: string | null;
  plex_token: string | null;
  show_mapping_id: number | null;
  tvshow_id: number | null;
  show_sync_enabled: boolean | null;
  episode_id: number | null;
  movie_mapping_id: number | null;
  movie_id: number | null;
  movie_sync_enabled: boolean | null;
};

const isInt4 = (n: number | undefined): n is number =>
  n !== undefined && Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647;

/** What one event's context is looked up by. */
type ContextKeys = {
  jobId: string;
  userId: number;
  showKey: string | null;
  episodeAt: { season: number; number: number } | null;
  movieKey: string | null;
};

function contextKeys(jobId: string, userId: number, payload: PlexPayload): ContextKeys {
  const m = payload.Metadata;
  const showKey = m?.type === 'episode' ? (m.grandparentRatingKey ?? null) : null;
  const movieKey = m?.type === 'movie' ? m.ratingKey : null;
  // Only numbers an int column can hold: anything else (a fuzzed 3.5, 1e12) is left to the
  // handler's own lookup, exactly as before this query existed.
  const episodeAt =
    showKey !== null && isInt4(m?.parentIndex) && isInt4(m?.index)
      ? { season: m.parentIndex, number: m.index }
      : null;
  return { jobId, userId, showKey, episodeAt, movieKey };
}

// The columns both forms return, from the aliases both forms use.
const COLUMNS = Prisma.sql`
    l.id AS log_id, l.status::text AS log_status, l.action_taken::text AS log_action,
    l.error_message AS log_error,
    c.user_id IS NOT NULL AS has_config, c.enabled, c.plex_usernames, c.auto_mark_watched,
    c.auto_resolve, c.match_threshold, c.plex_server_url, c.plex_token,
    sm.id AS show_mapping_id, sm.tvshow_id, sm.sync_enabled AS show_sync_enabled,
    e.id AS episode_id,
    mm.id AS movie_mapping_id, mm.movie_id, mm.sync_enabled AS movie_sync_enabled`;

function contextSql(k: ContextKeys): Prisma.Sql {
  return Prisma.sql`
    SELECT ${COLUMNS}
      FROM (SELECT 1) AS one
      LEFT JOIN plex_webhook_logs l ON l.job_id = ${k.jobId}::text
      LEFT JOIN plex_config c ON c.user_id = ${k.userId}::int
      LEFT JOIN plex_show_mappings sm
             ON sm.user_id = c.user_id AND sm.plex_rating_key = ${k.showKey}::text
      LEFT JOIN episodes e
             ON e.tvshow_id = sm.tvshow_id AND e.season_number = ${k.episodeAt?.season ?? null}::int
            AND e.episode_number = ${k.episodeAt?.number ?? null}::int
      LEFT JOIN plex_movie_mappings mm
             ON mm.user_id = c.user_id AND mm.plex_rating_key = ${k.movieKey}::text`;
}

/**
 * The same for many events in one statement, one array per key. Every join is on a unique key,
 * so each input gives exactly one row; `ord` puts them back in input order. The joins are
 * LATERAL so that each is an index probe per input, whatever the planner guesses of unnest.
 * A read alone uses contextSql, not a batch of one: much cheaper for PostgreSQL (see insertLogSql
 * in processors/log-writer.ts for the measurement).
 */
function contextBatchSql(keys: ContextKeys[]): Prisma.Sql {
  return Prisma.sql`
    SELECT i.ord, ${COLUMNS}
      FROM unnest(${keys.map((k) => k.jobId)}::text[], ${keys.map((k) => k.userId)}::int[],
                  ${keys.map((k) => k.showKey)}::text[],
                  ${keys.map((k) => k.episodeAt?.season ?? null)}::int[],
                  ${keys.map((k) => k.episodeAt?.number ?? null)}::int[],
                  ${keys.map((k) => k.movieKey)}::text[])
           WITH ORDINALITY AS i(job_id, user_id, show_key, season, number, movie_key, ord)
      LEFT JOIN LATERAL (SELECT * FROM plex_webhook_logs WHERE job_id = i.job_id) l ON true
      LEFT JOIN LATERAL (SELECT * FROM plex_config WHERE user_id = i.user_id) c ON true
      LEFT JOIN LATERAL (SELECT * FROM plex_show_mappings
                          WHERE user_id = c.user_id AND plex_rating_key = i.show_key) sm ON true
      LEFT JOIN LATERAL (SELECT * FROM episodes
                          WHERE tvshow_id = sm.tvshow_id AND season_number = i.season
                            AND episode_number = i.number) e ON true
      LEFT JOIN LATERAL (SELECT * FROM plex_movie_mappings
                          WHERE user_id = c.user_id AND plex_rating_key = i.movie_key) mm ON true
     ORDER BY i.ord`;
}

function toContext(row: Row, k: ContextKeys): EventContext {
  return {
    done:
      row.log_id === null
        ? null
        : {
            id: row.log_id,
            status: row.log_status as string,
            actionTaken: row.log_action,
            errorMessage: row.log_error,
          },
    config: row.has_config
      ? {
          enabled: row.enabled as boolean,
          plexUsernames: row.plex_usernames ?? [],
          autoMarkWatched: row.auto_mark_watched as boolean,
          autoResolve: row.auto_resolve as boolean,
          matchThreshold: row.match_threshold as number,
          plexServerUrl: row.plex_server_url,
          plexToken: row.plex_token,
        }
      : null,
    showKey: k.showKey,
    showMapping:
      row.show_mapping_id === null
        ? null
        : { tvshowId: row.tvshow_id, syncEnabled: row.show_sync_enabled as boolean },
    episodeAt: k.episodeAt,
    episodeId: row.episode_id,
    movieKey: k.movieKey,
    movieMapping:
      row.movie_mapping_id === null
        ? null
        : { movieId: row.movie_id, syncEnabled: row.movie_sync_enabled as boolean },
  };
}

async function readOne(db: Db, k: ContextKeys): Promise<EventContext> {
  const [row] = await preparedQuery<Row>(db, contextSql(k));
  if (!row) throw new Error('event context query returned no row');
  return toContext(row, k);
}

async function readMany(db: Db, keys: ContextKeys[]): Promise<EventContext[]> {
  const rows = await preparedQuery<Row & { ord: string }>(db, contextBatchSql(keys));
  if (rows.length !== keys.length) throw new Error('event context query: one row per event expected');
  return rows.map((row, i) => toContext(row, keys[i]!));
}

/** At most this many events share a read. */
const MAX_BATCH = 64;
const readers = new WeakMap<Db, Batcher<ContextKeys, EventContext>>();

/** The context reads of a database client, batched like its log writes (see Batcher). */
export function contextReaderFor(db: Db): Batcher<ContextKeys, EventContext> {
  return batcherFor(
    readers,
    db,
    () => new Batcher({ one: (k) => readOne(db, k), many: (ks) => readMany(db, ks), max: MAX_BATCH }),
  );
}

export function loadEventContext(
  deps: Pick<WorkerDeps, 'db'>,
  jobId: string,
  userId: number,
  payload: PlexPayload,
): Promise<EventContext> {
  return contextReaderFor(deps.db).submit(contextKeys(jobId, userId, payload));
}

// The one read of the common case (a scrobble of an already mapped show or movie): the log row
// of an earlier run of the job, the user's config, the item's mapping and, for an episode of a
// mapped show, the catalogue episode at (season, number). One statement; concurrent jobs share
// one (group commit, see Batcher).
import { Batcher } from '../batcher';
import { type Db, preparedQuery } from '../client';
import { type MediaType, type PlexConfig, Prisma } from '../generated/client';
import type { MappingTarget, SourceScope } from './mappings';

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
  | 'jellyfinServerUrl'
  | 'jellyfinApiKey'
  | 'jellyfinUsernames'
  | 'embyServerUrl'
  | 'embyApiKey'
  | 'embyUsernames'
  | 'dedupeAcrossSources'
  | 'watchedThreshold'
  | 'libraryAllowList'
  | 'libraryDenyList'
  | 'serverAllowList'
  | 'playerDenyList'
>;

/** The log row of an earlier run of the same job. */
export type LoggedOutcome = {
  id: number;
  status: string;
  actionTaken: string | null;
  errorMessage: string | null;
};

/** What one event's context is looked up by. `source` and `serverId` scope the mapping (the
 * unique index is (user_id, source, server_id, plex_rating_key)). */
export type ContextKeys = SourceScope & {
  jobId: string;
  userId: number;
  /** The kind of mapping to read, and the source key it is filed under (a show's, a movie's own). */
  mediaType: MediaType | null;
  key: string | null;
  /** For a show: the catalogue episode to read with the mapping. */
  episodeAt: { season: number; number: number } | null;
};

/**
 * A missing mapping is not trusted: the unmapped path reads it again right before it checks
 * for an open conflict (findMappingOrOpenConflict), as it always did.
 */
export type EventContext = {
  done: LoggedOutcome | null;
  config: UserConfig | null;
  /** What the mapping and episode were looked up for (this event's keys, int4-checked). */
  keys: ContextKeys;
  mapping: MappingTarget | null;
  /** The catalogue episode at keys.episodeAt of the mapped show (null: none, or not looked up). */
  episodeId: number | null;
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
  jellyfin_server_url: string | null;
  jellyfin_api_key: string | null;
  jellyfin_usernames: string[] | null;
  emby_server_url: string | null;
  emby_api_key: string | null;
  emby_usernames: string[] | null;
  dedupe_across_sources: boolean | null;
  watched_threshold: number | null;
  library_allow_list: string[] | null;
  library_deny_list: string[] | null;
  server_allow_list: string[] | null;
  player_deny_list: string[] | null;
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

/** Only numbers an int column can hold: anything else is left to the handler's own lookup. */
function checked(k: ContextKeys): ContextKeys {
  const at = k.episodeAt;
  const episodeAt =
    k.mediaType === 'show' && k.key !== null && at && isInt4(at.season) && isInt4(at.number) ? at : null;
  return { ...k, episodeAt };
}

const showKey = (k: ContextKeys) => (k.mediaType === 'show' ? k.key : null);
const movieKey = (k: ContextKeys) => (k.mediaType === 'movie' ? k.key : null);

// The columns both forms return, from the aliases both forms use.
const COLUMNS = Prisma.sql`
    l.id AS log_id, l.status::text AS log_status, l.action_taken::text AS log_action,
    l.error_message AS log_error,
    c.user_id IS NOT NULL AS has_config, c.enabled, c.plex_usernames, c.auto_mark_watched,
    c.auto_resolve, c.match_threshold, c.plex_server_url, c.plex_token,
    c.jellyfin_server_url, c.jellyfin_api_key, c.jellyfin_usernames, c.emby_server_url,
    c.emby_api_key, c.emby_usernames, c.dedupe_across_sources,
    c.watched_threshold, c.library_allow_list, c.library_deny_list, c.server_allow_list,
    c.player_deny_list,
    sm.id AS show_mapping_id, sm.tvshow_id, sm.sync_enabled AS show_sync_enabled,
    e.id AS episode_id,
    mm.id AS movie_mapping_id, mm.movie_id, mm.sync_enabled AS movie_sync_enabled`;

export function contextSql(k: ContextKeys): Prisma.Sql {
  return Prisma.sql`
    SELECT ${COLUMNS}
      FROM (SELECT 1) AS one
      LEFT JOIN plex_webhook_logs l ON l.job_id = ${k.jobId}::text
      LEFT JOIN plex_config c ON c.user_id = ${k.userId}::int
      LEFT JOIN plex_show_mappings sm
             ON sm.user_id = c.user_id AND sm.source = ${k.source}::event_source
            AND sm.server_id = ${k.serverId}::text AND sm.plex_rating_key = ${showKey(k)}::text
      LEFT JOIN episodes e
             ON e.tvshow_id = sm.tvshow_id AND e.season_number = ${k.episodeAt?.season ?? null}::int
            AND e.episode_number = ${k.episodeAt?.number ?? null}::int
      LEFT JOIN plex_movie_mappings mm
             ON mm.user_id = c.user_id AND mm.source = ${k.source}::event_source
            AND mm.server_id = ${k.serverId}::text AND mm.plex_rating_key = ${movieKey(k)}::text`;
}

/**
 * The same for many events in one statement, one array per key. Every join is on a unique key,
 * so each input gives exactly one row; `ord` puts them back in input order. The joins are
 * LATERAL so that each is an index probe per input, whatever the planner guesses of unnest.
 * A read alone uses contextSql, not a batch of one: much cheaper for PostgreSQL (see insertLogSql
 * in log-writes.ts for the measurement).
 */
export function contextBatchSql(keys: ContextKeys[]): Prisma.Sql {
  return Prisma.sql`
    SELECT i.ord, ${COLUMNS}
      FROM unnest(${keys.map((k) => k.jobId)}::text[], ${keys.map((k) => k.userId)}::int[],
                  ${keys.map(showKey)}::text[],
                  ${keys.map((k) => k.episodeAt?.season ?? null)}::int[],
                  ${keys.map((k) => k.episodeAt?.number ?? null)}::int[],
                  ${keys.map(movieKey)}::text[], ${keys.map((k) => k.source)}::event_source[],
                  ${keys.map((k) => k.serverId)}::text[])
           WITH ORDINALITY AS i(job_id, user_id, show_key, season, number, movie_key, source,
                                server_id, ord)
      LEFT JOIN LATERAL (SELECT * FROM plex_webhook_logs WHERE job_id = i.job_id) l ON true
      LEFT JOIN LATERAL (SELECT * FROM plex_config WHERE user_id = i.user_id) c ON true
      LEFT JOIN LATERAL (SELECT * FROM plex_show_mappings
                          WHERE user_id = c.user_id AND source = i.source
                            AND server_id = i.server_id AND plex_rating_key = i.show_key) sm ON true
      LEFT JOIN LATERAL (SELECT * FROM episodes
                          WHERE tvshow_id = sm.tvshow_id AND season_number = i.season
                            AND episode_number = i.number) e ON true
      LEFT JOIN LATERAL (SELECT * FROM plex_movie_mappings
                          WHERE user_id = c.user_id AND source = i.source
                            AND server_id = i.server_id AND plex_rating_key = i.movie_key) mm ON true
     ORDER BY i.ord`;
}

function toContext(row: Row, keys: ContextKeys): EventContext {
  const mapping =
    keys.mediaType === 'show'
      ? row.show_mapping_id === null
        ? null
        : { targetId: row.tvshow_id, syncEnabled: row.show_sync_enabled as boolean }
      : keys.mediaType === 'movie' && row.movie_mapping_id !== null
        ? { targetId: row.movie_id, syncEnabled: row.movie_sync_enabled as boolean }
        : null;
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
          jellyfinServerUrl: row.jellyfin_server_url,
          jellyfinApiKey: row.jellyfin_api_key,
          jellyfinUsernames: row.jellyfin_usernames ?? [],
          embyServerUrl: row.emby_server_url,
          embyApiKey: row.emby_api_key,
          embyUsernames: row.emby_usernames ?? [],
          dedupeAcrossSources: row.dedupe_across_sources ?? false,
          watchedThreshold: row.watched_threshold,
          libraryAllowList: row.library_allow_list ?? [],
          libraryDenyList: row.library_deny_list ?? [],
          serverAllowList: row.server_allow_list ?? [],
          playerDenyList: row.player_deny_list ?? [],
        }
      : null,
    keys,
    mapping,
    episodeId: row.episode_id,
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

export type EventContextReader = {
  read(keys: ContextKeys): Promise<EventContext>;
  /** Statements sent and reads they carried (see Batcher). */
  readonly stats: Batcher<ContextKeys, EventContext>['stats'];
};

/** The context reads of one database client, batched like its log writes (see Batcher). */
export function createEventContextReader(db: Db): EventContextReader {
  const batcher = new Batcher<ContextKeys, EventContext>({
    one: (k) => readOne(db, k),
    many: (ks) => readMany(db, ks),
    max: MAX_BATCH,
  });
  return { read: (keys) => batcher.submit(checked(keys)), stats: batcher.stats };
}

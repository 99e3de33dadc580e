// Playback sessions (issue 18): what each player of a user is playing, where it is, and whether
// this viewing counted a play. Progress is most of the traffic, so the write is one statement:
// an upsert whose ordering lives in its WHERE (an event older than the session's last one never
// changes it, so a pause delivered after its stop cannot resurrect the session).
import { type DbOrTx, preparedQuery } from '../client';
import { type EventSource, type PlaybackState, Prisma } from '../generated/client';
import { mappedIdsJoins } from './mappings';

export type PlaybackWrite = {
  userId: number;
  source: EventSource;
  /** As mappings file it ('' for Plex). */
  serverId: string;
  /** Account + player + item: two players of one account are two sessions. */
  sessionKey: string;
  mediaType: 'episode' | 'movie';
  itemKey: string;
  /** An episode's show key (what show mappings are filed under). */
  showKey: string | null;
  title: string;
  showTitle: string | null;
  season: number | null;
  episode: number | null;
  state: PlaybackState;
  /** null: the event did not say (the session keeps what it had). */
  positionMs: number | null;
  durationMs: number | null;
  player: string | null;
  account: string | null;
  /** The job's receivedAt: events are ordered by it. */
  eventAt: Date;
  /** This event counts a play (a scrobble, or a stop past the user's threshold). */
  countPlay: boolean;
  /** A new viewing (media.play): a play counted earlier belongs to an earlier viewing. */
  restart: boolean;
  /**
   * A play counted longer ago than this is an earlier viewing's too (a client that sends a
   * scrobble and no play on a rewatch): the worker's dedupe window.
   */
  viewingSeconds: number;
};

export type PlaybackWriteResult = {
  /** false: the session has a newer event; nothing changed. */
  applied: boolean;
  /**
   * This event is the one that counted the session's play (now, or on an earlier run of the
   * same job: play_counted_at holds the counting event's time). A second counting event of the
   * same viewing (the scrobble after a threshold stop, or the reverse) gets false.
   */
  counted: boolean;
};

// Columns that follow the newest event: an older one (delivered out of order) leaves them.
const FOLLOWS_NEWEST = [
  'show_key',
  'title',
  'show_title',
  'season',
  'episode',
  'state',
  'player',
  'account',
  'last_event_at',
] as const;

/**
 * Newer: the event is at least as recent as the session's last one (<=, not <: a second run of
 * the same job, same receivedAt, finds what its first run wrote). An older event changes no
 * state, but may still count the play when nothing counted it yet: a scrobble processed after
 * its own stop must not be lost.
 */
export function upsertPlaybackSql(w: PlaybackWrite): Prisma.Sql {
  const counted = w.countPlay ? w.eventAt : null;
  const newer = Prisma.sql`s.last_event_at <= EXCLUDED.last_event_at`;
  const follow = Prisma.join(
    FOLLOWS_NEWEST.map((c) => {
      const col = Prisma.raw(c);
      return Prisma.sql`${col} = CASE WHEN ${newer} THEN EXCLUDED.${col} ELSE s.${col} END`;
    }),
    ', ',
  );
  return Prisma.sql`
    WITH up AS (
      INSERT INTO playback_sessions AS s
             (user_id, source, server_id, session_key, media_type, item_key, show_key, title,
              show_title, season, episode, state, position_ms, duration_ms, player, account,
              last_event_at, play_counted_at, updated_at)
      VALUES (${w.userId}::int, ${w.source}::event_source, ${w.serverId}::text, ${w.sessionKey}::text,
              ${w.mediaType}::item_kind, ${w.itemKey}::text, ${w.showKey}::text, ${w.title}::text,
              ${w.showTitle}::text, ${w.season}::int, ${w.episode}::int, ${w.state}::playback_state,
              COALESCE(${w.positionMs}::int, 0), ${w.durationMs}::int, ${w.player}::text,
              ${w.account}::text, ${w.eventAt}::timestamptz, ${counted}::timestamptz, now())
      ON CONFLICT (user_id, source, server_id, session_key) DO UPDATE
         SET ${follow},
             position_ms = CASE WHEN ${newer} THEN COALESCE(${w.positionMs}::int, s.position_ms)
                                ELSE s.position_ms END,
             duration_ms = COALESCE(EXCLUDED.duration_ms, s.duration_ms),
             -- A new viewing (media.play, or a play counted longer ago than a viewing lasts)
             -- forgets the earlier viewing's count; otherwise a count is never replaced.
             play_counted_at =
               CASE WHEN ${newer}
                     AND (${w.restart}::boolean
                          OR s.play_counted_at < EXCLUDED.last_event_at - make_interval(secs => ${w.viewingSeconds}::int))
                    THEN EXCLUDED.play_counted_at
                    ELSE COALESCE(s.play_counted_at, EXCLUDED.play_counted_at) END,
             updated_at = now()
       WHERE ${newer} OR (EXCLUDED.play_counted_at IS NOT NULL AND s.play_counted_at IS NULL)
      RETURNING last_event_at, play_counted_at)
    SELECT last_event_at, play_counted_at FROM up
    UNION ALL
    SELECT last_event_at, play_counted_at FROM playback_sessions
     WHERE user_id = ${w.userId}::int AND source = ${w.source}::event_source
       AND server_id = ${w.serverId}::text AND session_key = ${w.sessionKey}::text
       AND NOT EXISTS (SELECT 1 FROM up)`;
}

export async function upsertPlayback(db: DbOrTx, w: PlaybackWrite): Promise<PlaybackWriteResult> {
  const [row] = await preparedQuery<{ last_event_at: Date; play_counted_at: Date | null }>(
    db,
    upsertPlaybackSql(w),
  );
  const at = w.eventAt.getTime();
  return {
    // The session's last event is this one: it was applied (now, or by an earlier run).
    applied: row?.last_event_at.getTime() === at,
    counted: w.countPlay && row?.play_counted_at != null && row.play_counted_at.getTime() === at,
  };
}

/** A session as the API and the page show it: ids resolved through the mappings (null: unmapped). */
export type PlaybackItem = {
  userId: number;
  mediaType: 'episode' | 'movie';
  title: string;
  showTitle: string | null;
  season: number | null;
  episode: number | null;
  tvshowId: number | null;
  episodeId: number | null;
  movieId: number | null;
  /** Stale sessions (no event for longer than the remaining runtime + grace) read as stopped. */
  state: PlaybackState;
  positionMs: number;
  durationMs: number | null;
  percent: number | null;
  player: string | null;
  /** The time of the last event applied. */
  updatedAt: Date;
  /** This viewing counted a play already (not part of the API's shape). */
  playCounted: boolean;
};

export type PlaybackQuery = {
  userId?: number;
  state?: PlaybackState;
  /** Now, and the grace past the remaining runtime after which a session is stale. */
  now: Date;
  graceSeconds: number;
  limit?: number;
};

type PlaybackRow = {
  user_id: number;
  media_type: 'episode' | 'movie';
  title: string;
  show_title: string | null;
  season: number | null;
  episode: number | null;
  tvshow_id: number | null;
  episode_id: number | null;
  movie_id: number | null;
  state: PlaybackState;
  position_ms: number;
  duration_ms: number | null;
  player: string | null;
  last_event_at: Date;
  play_counted: boolean;
};

const SESSION_IDS_JOINS = mappedIdsJoins('s');

/** Sessions newest first, with the staleness rule applied when read. */
export async function listPlayback(db: DbOrTx, q: PlaybackQuery): Promise<PlaybackItem[]> {
  const rows = await db.$queryRaw<PlaybackRow[]>`
    SELECT * FROM (
      SELECT s.user_id, s.media_type::text AS media_type, s.title, s.show_title, s.season,
             s.episode, sm.tvshow_id, e.id AS episode_id, mm.movie_id,
             CASE WHEN s.state <> 'stopped'
                   AND s.last_event_at
                       + make_interval(secs => GREATEST(COALESCE(s.duration_ms, 0) - s.position_ms, 0) / 1000.0
                                               + ${q.graceSeconds}::int)
                       < ${q.now}::timestamptz
                  THEN 'stopped' ELSE s.state::text END AS state,
             s.position_ms, s.duration_ms, s.player, s.last_event_at,
             s.play_counted_at IS NOT NULL AS play_counted
        FROM playback_sessions s ${Prisma.raw(SESSION_IDS_JOINS)}
       WHERE (${q.userId ?? null}::int IS NULL OR s.user_id = ${q.userId ?? null}::int)) AS t
     WHERE ${q.state ?? null}::text IS NULL OR t.state = ${q.state ?? null}::text
     ORDER BY t.last_event_at DESC
     LIMIT ${q.limit ?? 200}::int`;
  return rows.map((r) => ({
    userId: r.user_id,
    mediaType: r.media_type,
    title: r.title,
    showTitle: r.show_title,
    season: r.season,
    episode: r.episode,
    tvshowId: r.tvshow_id,
    episodeId: r.episode_id,
    movieId: r.movie_id,
    state: r.state,
    positionMs: r.position_ms,
    durationMs: r.duration_ms,
    percent:
      r.duration_ms && r.duration_ms > 0
        ? Math.min(100, Math.round((r.position_ms / r.duration_ms) * 1000) / 10)
        : null,
    player: r.player,
    updatedAt: r.last_event_at,
    playCounted: r.play_counted,
  }));
}

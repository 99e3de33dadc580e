// Playback and ratings as the API, the page and anyone else reads them (issue 18): the JSON
// shapes of GET /api/playback and GET /api/ratings (ARCHITECTURE.md), ids resolved through the
// mappings and null where the item is unmapped.

import {
  type Db,
  listPlayback,
  listRatings,
  type PlaybackItem,
  type PlaybackState,
  type RatingItem,
} from '@plexhook/db';
import { z } from 'zod';

/** PLAYBACK_STALE_GRACE_SECONDS' default. */
export const DEFAULT_STALE_GRACE_SECONDS = 300;

export type PlaybackJson = {
  userId: number;
  mediaType: 'episode' | 'movie';
  title: string;
  showTitle: string | null;
  season: number | null;
  episode: number | null;
  tvshowId: number | null;
  episodeId: number | null;
  movieId: number | null;
  state: PlaybackState;
  positionMs: number;
  durationMs: number | null;
  percent: number | null;
  player: string | null;
  updatedAt: string;
};

export type RatingJson = {
  userId: number;
  mediaType: 'show' | 'episode' | 'movie';
  tvshowId: number | null;
  episodeId: number | null;
  movieId: number | null;
  rating: number;
  ratedAt: string;
};

export const playbackJson = (i: PlaybackItem): PlaybackJson => ({
  userId: i.userId,
  mediaType: i.mediaType,
  title: i.title,
  showTitle: i.showTitle,
  season: i.season,
  episode: i.episode,
  tvshowId: i.tvshowId,
  episodeId: i.episodeId,
  movieId: i.movieId,
  state: i.state,
  positionMs: i.positionMs,
  durationMs: i.durationMs,
  percent: i.percent,
  player: i.player,
  updatedAt: i.updatedAt.toISOString(),
});

export const ratingJson = (r: RatingItem): RatingJson => ({
  userId: r.userId,
  mediaType: r.mediaType,
  tvshowId: r.tvshowId,
  episodeId: r.episodeId,
  movieId: r.movieId,
  rating: r.rating,
  ratedAt: r.ratedAt.toISOString(),
});

export async function readPlayback(
  db: Db,
  q: { userId?: number; state?: PlaybackState; graceSeconds: number; now?: Date },
): Promise<{ items: PlaybackJson[] }> {
  const items = await listPlayback(db, {
    ...(q.userId !== undefined ? { userId: q.userId } : {}),
    ...(q.state !== undefined ? { state: q.state } : {}),
    now: q.now ?? new Date(),
    graceSeconds: q.graceSeconds,
  });
  return { items: items.map(playbackJson) };
}

export async function readRatings(db: Db, q: { userId?: number }): Promise<{ items: RatingJson[] }> {
  const items = await listRatings(db, q.userId !== undefined ? { userId: q.userId } : {});
  return { items: items.map(ratingJson) };
}

/**
 * The page's two panels: now playing (playing or paused, not stale) and continue watching (in
 * progress, not counted as a play, newest first).
 */
export async function playbackPanels(db: Db, graceSeconds: number, now = new Date()) {
  const all = await listPlayback(db, { now, graceSeconds, limit: 200 });
  return {
    nowPlaying: all.filter((i) => i.state !== 'stopped'),
    continueWatching: all
      .filter((i) => i.state !== 'playing' && !i.playCounted && i.positionMs > 0)
      .slice(0, 20),
  };
}

/** A filter list: library section ids or titles, server ids, player ids or names; [] = no filter. */
const FilterList = z.array(z.string().trim().min(1).max(200)).max(100);

/** The playback settings PATCH /api/users/:id/plex-config takes (issue 18). */
export const PlaybackSettingsSchema = z.object({
  /** A media.stop at or past this percent of the runtime counts as a play; null = off. */
  watchedThreshold: z.number().int().min(1).max(100).nullable(),
  libraryAllowList: FilterList,
  libraryDenyList: FilterList,
  serverAllowList: FilterList,
  playerDenyList: FilterList,
});

export type PlaybackSettings = z.infer<typeof PlaybackSettingsSchema>;

/** The same settings as the config answer shows them. */
export const publicPlaybackSettings = (c: PlaybackSettings): PlaybackSettings => ({
  watchedThreshold: c.watchedThreshold,
  libraryAllowList: c.libraryAllowList,
  libraryDenyList: c.libraryDenyList,
  serverAllowList: c.serverAllowList,
  playerDenyList: c.playerDenyList,
});

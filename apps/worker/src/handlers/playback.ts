// Playback state (issue 18): play/pause/resume/stop update the session of (account, player,
// item); a scrobble ends it. The session is also where a play is counted once: a stop past the
// user's watched threshold and the scrobble of the same viewing (in either order) count one play
// between them (play_counted_at). The Redis dedupe claim cannot do this: it is keyed by event
// name, and a stop and a scrobble are two events.
import type { EpisodeMedia, MovieMedia, WatchEvent } from '@plexhook/core';
import type { PlaybackWriteResult, UserConfig } from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import type { Outcome } from './outcome';

/** The events that start a viewing (Plex, Jellyfin, Emby): a play counted before is an earlier one's. */
const VIEWING_STARTS = new Set(['media.play', 'PlaybackStart', 'playback.start']);

const serverIdOf = (event: WatchEvent) => (event.source === 'plex' ? '' : (event.server.id ?? ''));

/** account + player + item: two players of one account are two sessions. */
export function sessionKey(event: WatchEvent, itemKey: string): string {
  const account = event.account?.id ?? event.account?.name ?? '';
  const player = event.player?.id ?? event.player?.name ?? '';
  return `${account}\t${player}\t${itemKey}`;
}

/** Percent of the runtime reached, when the event says both. */
export function percentOf(event: WatchEvent): number | null {
  const p = event.playback;
  if (!p || p.positionMs === undefined || !p.durationMs) return null;
  return (p.positionMs / p.durationMs) * 100;
}

/** A stop at or past the user's watched threshold (null: off) counts as a play. */
export function passesThreshold(event: WatchEvent, config: Pick<UserConfig, 'watchedThreshold'>): boolean {
  if (config.watchedThreshold === null || event.playback?.state !== 'stopped') return false;
  if (event.action !== 'progress') return false;
  const percent = percentOf(event);
  return percent !== null && percent >= config.watchedThreshold;
}

/** Writes the event to its session (one statement); `countPlay` asks it to count the play. */
export function writeSession(
  deps: WorkerDeps,
  event: WatchEvent,
  countPlay: boolean,
): Promise<PlaybackWriteResult> {
  const media = event.media as EpisodeMedia | MovieMedia;
  const p = event.playback;
  const episode = media.kind === 'episode' ? media : null;
  return deps.store.writePlayback({
    userId: event.userId,
    source: event.source,
    serverId: serverIdOf(event),
    sessionKey: sessionKey(event, media.itemKey),
    mediaType: media.kind,
    itemKey: media.itemKey,
    showKey: episode?.show.key ?? null,
    title: media.title ?? episode?.show.title ?? '?',
    showTitle: episode?.show.title ?? null,
    season: episode?.season ?? null,
    episode: episode?.episode ?? null,
    state: p?.state ?? 'stopped',
    positionMs: p?.positionMs ?? null,
    durationMs: p?.durationMs ?? null,
    player: event.player?.name ?? event.player?.id ?? null,
    account: event.account?.name ?? event.account?.id ?? null,
    eventAt: event.receivedAt,
    countPlay,
    restart: VIEWING_STARTS.has(event.sourceEvent),
    viewingSeconds: deps.config.DEDUPE_WINDOW_SECONDS,
  });
}

const where = (event: WatchEvent) => {
  const percent = percentOf(event);
  return percent === null ? '' : ` at ${Math.round(percent)}%`;
};

const outOfOrder = (event: WatchEvent): Outcome => ({
  status: 'ignored',
  action: 'ignored_event',
  message: `${event.sourceEvent} older than the session's last event (delivered out of order): not applied`,
});

/**
 * A progress event of an item with no mapping (an open conflict, or one this event opened):
 * the session is kept (ids resolve through the mapping once there is one); nothing is held on
 * the conflict and no play is counted.
 */
export async function progressUnmapped(
  deps: WorkerDeps,
  event: WatchEvent,
  conflictId: number,
): Promise<Outcome> {
  const { applied } = await writeSession(deps, event, false);
  if (!applied) return { ...outOfOrder(event), conflictId };
  return {
    status: 'success',
    action: 'progress_updated',
    conflictId,
    message: `${event.playback?.state ?? 'progress'}${where(event)}; unmapped (conflict ${conflictId})`,
  };
}

/**
 * A progress event of a mapped, syncing item. A stop past the threshold that counts the play
 * is marked like a scrobble (`mark`); any other is `progress_updated`.
 */
export async function progressMapped(
  deps: WorkerDeps,
  event: WatchEvent,
  config: UserConfig,
  mark: () => Promise<Outcome>,
): Promise<Outcome> {
  const countPlay = config.autoMarkWatched && passesThreshold(event, config);
  const { applied, counted } = await writeSession(deps, event, countPlay);
  if (counted) {
    const marked = await mark();
    const why = `${event.sourceEvent}${where(event)} reached the watched threshold (${config.watchedThreshold}%)`;
    return { ...marked, message: marked.message ? `${why}; ${marked.message}` : `${why}: counted as a play` };
  }
  if (!applied) return outOfOrder(event);
  const already = countPlay ? '; the play was counted already' : '';
  return {
    status: 'success',
    action: 'progress_updated',
    message: `${event.playback?.state ?? 'progress'}${where(event)}${already}`,
  };
}

/**
 * A scrobble ends its session and counts the play there, unless a threshold stop of the same
 * viewing counted it first: then it is a duplicate (null means: go on and mark).
 */
export async function scrobbleSession(
  deps: WorkerDeps,
  event: WatchEvent,
  config: UserConfig,
): Promise<Outcome | null> {
  // A play without playback facts (a history row, not a webhook) has no session.
  if (!event.playback) return null;
  const { counted } = await writeSession(deps, event, config.autoMarkWatched);
  if (counted || !config.autoMarkWatched) return null;
  return {
    status: 'duplicate',
    action: 'duplicate',
    message: 'this viewing was counted already (a stop past the watched threshold, or an earlier scrobble)',
  };
}

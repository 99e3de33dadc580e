// The Jellyfin adapter: a jellyfin-plugin-webhook "Generic" destination payload (flat JSON;
// "Send All Properties" or a template rendering the same fields) as a watch event. Field names
// follow the plugin's Helpers/DataObjectHelpers.cs and its notifiers (see ARCHITECTURE.md).
import { int4Index } from './plex-payload';
import {
  flag,
  foreignEvent,
  isoDay,
  type JsonObject,
  mediaSummary,
  payloadObject,
  playbackOf,
  providerIds,
  ratedItem,
  ratingValue,
  type SourceInput,
  text,
  timestampMs,
  year,
} from './source-fields';
import { multiEpisodeEnd, type PlaybackInfo, type WatchAction, type WatchEvent } from './watch-event';
import { plausibleWatchedAt } from './watched-at';

/**
 * Jellyfin ids are GUIDs: "Send All Properties" writes them without dashes, a template's
 * `{{ItemId}}` with them. Both become the dashless lower-case form so either files under one key.
 */
export function jellyfinKey(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const compact = raw.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(compact) ? compact : raw;
}

function jellyfinAction(p: JsonObject, type: string): WatchAction {
  switch (type) {
    case 'PlaybackStop':
      return flag(p.PlayedToCompletion) === true ? 'scrobble' : 'progress';
    case 'PlaybackStart':
    case 'PlaybackProgress':
      return 'progress';
    case 'UserDataSaved': {
      const reason = text(p.SaveReason);
      // TogglePlayed is the played tick in a client; unticking it (Played false) is never a play.
      if (reason === 'TogglePlayed') return flag(p.Played) === true ? 'scrobble' : 'other';
      if (reason === 'UpdateUserRating') return 'rating';
      // PlaybackFinished also arrives here, with Played true; the play itself is PlaybackStop's.
      return reason?.startsWith('Playback') ? 'progress' : 'other';
    }
    default:
      return 'other';
  }
}

const UNTRACKED: Record<string, string> = {
  Audio: 'music is not tracked',
  MusicAlbum: 'music is not tracked',
  AudioBook: 'audiobooks are not tracked',
  Photo: 'photos are not tracked',
  Trailer: 'trailers, extras and clips are not tracked',
  TvChannel: 'live TV is not tracked',
  LiveTvChannel: 'live TV is not tracked',
  LiveTvProgram: 'live TV is not tracked',
};

function jellyfinMedia(p: JsonObject): WatchEvent['media'] {
  const type = text(p.ItemType);
  if (type === undefined) return null;
  const unsupported = (reason: string) => ({ kind: 'unsupported' as const, reason });
  if (type !== 'Episode' && type !== 'Movie') {
    return unsupported(UNTRACKED[type] ?? `media type ${type} is not tracked`);
  }
  const itemKey = jellyfinKey(p.ItemId);
  if (itemKey === undefined) return unsupported('the item has no ItemId');
  // Provider_* are the ITEM's own ids (item.ProviderIds): an episode's, never its series'.
  const ids = providerIds({ tmdb: p.Provider_tmdb, tvdb: p.Provider_tvdb, imdb: p.Provider_imdb });
  const premiere = isoDay(p.PremiereDate);
  if (type === 'Movie') {
    return {
      kind: 'movie',
      itemKey,
      title: text(p.Name),
      year: year(p.Year) ?? year(premiere?.slice(0, 4)),
      ids,
    };
  }
  return {
    kind: 'episode',
    itemKey,
    // For an episode the plugin overwrites `Year` with the series' production year.
    show: { key: jellyfinKey(p.SeriesId), title: text(p.SeriesName), ids: {}, year: year(p.Year) },
    ids,
    title: text(p.Name),
    season: int4Index(p.SeasonNumber),
    episode: int4Index(p.EpisodeNumber),
    episodeEnd: multiEpisodeEnd(int4Index(p.EpisodeNumber), int4Index(p.EpisodeNumberEnd)),
    airDate: premiere,
    year: year(premiere?.slice(0, 4)),
    customNumbering: null,
  };
}

/** The state a playback notification leaves the player in (UserDataSaved's Playback* reasons
 * carry none: the PlaybackStart/Progress/Stop notifications say it). */
function jellyfinState(p: JsonObject, type: string): PlaybackInfo['state'] | undefined {
  if (type === 'PlaybackStart') return 'playing';
  if (type === 'PlaybackProgress') return flag(p.IsPaused) === true ? 'paused' : 'playing';
  if (type === 'PlaybackStop') return 'stopped';
  return undefined;
}

/** The Jellyfin adapter. Never throws: what it cannot read is an `other` event with a reason. */
export function jellyfinWatchEvent(input: SourceInput): WatchEvent {
  const p = payloadObject(input.payload);
  if (p === null) return foreignEvent('jellyfin', input, 'not a Jellyfin webhook payload: not a JSON object');
  // The plugin's NotificationType enum names: PlaybackStop, UserDataSaved, ItemAdded, ...
  const type = typeof p.NotificationType === 'string' ? p.NotificationType.trim() : '';
  if (!/^[A-Za-z]+$/.test(type)) {
    return foreignEvent('jellyfin', input, 'not a Jellyfin webhook payload: no NotificationType');
  }
  const media = jellyfinMedia(p);
  const reason = type === 'UserDataSaved' ? text(p.SaveReason) : undefined;
  const accountId = jellyfinKey(p.UserId);
  const accountName = text(p.NotificationUsername);
  const action = jellyfinAction(p, type);
  const tracked = media?.kind === 'episode' || media?.kind === 'movie';
  const playback = tracked
    ? playbackOf(jellyfinState(p, type), p.PlaybackPositionTicks, p.RunTimeTicks)
    : undefined;
  const target = action === 'rating' ? ratedItem(media) : undefined;
  const deviceId = text(p.DeviceId);
  const deviceName = text(p.DeviceName) ?? text(p.ClientName);
  return {
    ...(deviceId || deviceName ? { player: { id: deviceId, name: deviceName } } : {}),
    ...(playback ? { playback } : {}),
    // UpdateUserRating: UserData.Rating, 0-10 (absent or 0: cleared).
    ...(target ? { rating: { value: ratingValue(p.Rating), target } } : {}),
    source: 'jellyfin',
    sourceEvent: reason ? `${type}:${reason}` : type,
    action,
    server: { id: jellyfinKey(p.ServerId), name: text(p.ServerName) },
    userId: input.userId,
    account: accountId || accountName ? { id: accountId, name: accountName } : undefined,
    // The plugin's webhooks are server-wide: which accounts count is the allow-list's business.
    ownAccount: false,
    media,
    receivedAt: input.receivedAt,
    watchedAt: plausibleWatchedAt(
      timestampMs(type === 'UserDataSaved' ? (p.LastPlayedDate ?? p.UtcTimestamp) : p.UtcTimestamp),
      input.receivedAt,
    ),
    summary: mediaSummary(media, { key: jellyfinKey(p.ItemId), label: text(p.Name) }),
  };
}

// The Emby adapter: Emby's own webhook JSON (Event, User, Server, Item, PlaybackInfo, Date) as a
// watch event. Emby ids are opaque strings (numeric on most servers: "240270").
import { int4Index } from './plex-payload';
import {
  flag,
  foreignEvent,
  isObject,
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

const objectAt = (value: unknown): JsonObject => (isObject(value) ? value : {});
/** A value that is there (null and absent are not). */
const present = (value: unknown) => (value === undefined || value === null ? undefined : value);

function embyAction(p: JsonObject, event: string): WatchAction {
  if (event === 'playback.stop') {
    return flag(objectAt(p.PlaybackInfo).PlayedToCompletion) === true ? 'scrobble' : 'progress';
  }
  if (event === 'item.markplayed') return 'scrobble';
  // Unmarking is never a play; nothing un-marks yet, so it is logged as `other`.
  if (event === 'item.markunplayed') return 'other';
  if (event === 'item.rate') return 'rating';
  return event.startsWith('playback.') ? 'progress' : 'other';
}

const UNTRACKED: Record<string, string> = {
  Audio: 'music is not tracked',
  MusicAlbum: 'music is not tracked',
  AudioBook: 'audiobooks are not tracked',
  Photo: 'photos are not tracked',
  Trailer: 'trailers, extras and clips are not tracked',
  TvChannel: 'live TV is not tracked',
  Program: 'live TV is not tracked',
};

/** ProviderIds keys are "Tmdb", "Tvdb", "Imdb" on Emby; read them whatever their case. */
function providerValue(ids: JsonObject, name: string): unknown {
  const key = Object.keys(ids).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : ids[key];
}

function embyMedia(item: JsonObject | undefined): WatchEvent['media'] {
  if (item === undefined) return null;
  const type = text(item.Type);
  const unsupported = (reason: string) => ({ kind: 'unsupported' as const, reason });
  if (type === undefined) return unsupported('the item has no Type');
  if (type !== 'Episode' && type !== 'Movie') {
    return unsupported(UNTRACKED[type] ?? `media type ${type} is not tracked`);
  }
  const itemKey = text(item.Id);
  if (itemKey === undefined) return unsupported('the item has no Id');
  const raw = objectAt(item.ProviderIds);
  // The ITEM's own ids: an episode's ProviderIds name the episode, never its series.
  const ids = providerIds({
    tmdb: providerValue(raw, 'tmdb'),
    tvdb: providerValue(raw, 'tvdb'),
    imdb: providerValue(raw, 'imdb'),
  });
  const premiere = isoDay(item.PremiereDate);
  if (type === 'Movie') {
    return {
      kind: 'movie',
      itemKey,
      title: text(item.Name),
      originalTitle: text(item.OriginalTitle),
      year: year(item.ProductionYear) ?? year(premiere?.slice(0, 4)),
      ids,
    };
  }
  return {
    kind: 'episode',
    itemKey,
    show: { key: text(item.SeriesId), title: text(item.SeriesName), ids: {} },
    ids,
    title: text(item.Name),
    season: int4Index(item.ParentIndexNumber),
    episode: int4Index(item.IndexNumber),
    episodeEnd: multiEpisodeEnd(int4Index(item.IndexNumber), int4Index(item.IndexNumberEnd)),
    airDate: premiere,
    // An episode's ProductionYear is its own (Emby has no series year in the payload).
    year: year(item.ProductionYear) ?? year(premiere?.slice(0, 4)),
    customNumbering: null,
  };
}

const who = (value: unknown) => {
  const o = objectAt(value);
  const id = text(o.Id);
  const name = text(o.Name);
  return id || name ? { id, name } : undefined;
};

const EMBY_STATES: Record<string, PlaybackInfo['state']> = {
  'playback.start': 'playing',
  'playback.unpause': 'playing',
  'playback.progress': 'playing',
  'playback.pause': 'paused',
  'playback.stop': 'stopped',
};

/** The Emby adapter. Never throws: what it cannot read is an `other` event with a reason. */
export function embyWatchEvent(input: SourceInput): WatchEvent {
  const p = payloadObject(input.payload);
  if (p === null) return foreignEvent('emby', input, 'not an Emby webhook payload: not a JSON object');
  const event = text(p.Event);
  // Emby's names are dotted lower case; a Plex body has `event` and Jellyfin's NotificationType.
  if (event === undefined || !/^[a-z]+\.[a-z.]+$/.test(event)) {
    return foreignEvent('emby', input, 'not an Emby webhook payload: no Event');
  }
  const item = isObject(p.Item) ? p.Item : undefined;
  const media = embyMedia(item);
  const server = objectAt(p.Server);
  const session = objectAt(p.Session);
  const action = embyAction(p, event);
  const tracked = media?.kind === 'episode' || media?.kind === 'movie';
  const playback = tracked
    ? playbackOf(EMBY_STATES[event], objectAt(p.PlaybackInfo).PositionTicks, item?.RunTimeTicks)
    : undefined;
  // item.rate: the value where Emby keeps it (the item's UserData); without one nothing is stored.
  const rated = present(objectAt(item?.UserData).Rating) ?? present(objectAt(p.UserData).Rating);
  const target = action === 'rating' && rated !== undefined ? ratedItem(media) : undefined;
  const deviceId = text(session.DeviceId);
  const deviceName = text(session.DeviceName) ?? text(session.Client);
  return {
    ...(deviceId || deviceName ? { player: { id: deviceId, name: deviceName } } : {}),
    ...(playback ? { playback } : {}),
    ...(target ? { rating: { value: ratingValue(rated), target } } : {}),
    source: 'emby',
    sourceEvent: event,
    action,
    server: { id: text(server.Id), name: text(server.Name) },
    userId: input.userId,
    account: who(p.User),
    // Emby webhooks are server-wide: which accounts count is the allow-list's business.
    ownAccount: false,
    media,
    receivedAt: input.receivedAt,
    watchedAt: plausibleWatchedAt(timestampMs(p.Date), input.receivedAt),
    summary: mediaSummary(media, { key: text(item?.Id), label: text(item?.Name) }),
  };
}

// One source-neutral watch event: what the worker handles, whatever server sent it. A source's
// adapter (plexWatchEvent below, for Plex's webhook payload) is the only code that reads the
// source's JSON; matching, mapping, conflicts and marking read this.
import { type ExternalIds, extractIds, hamaCustomNumbering } from './guid';
import type { ShowQuery } from './match';
import type { MovieQuery } from './movie-match';
import type { PlexMetadata, PlexPayload } from './plex-payload';
import { splitTitleYear } from './title';
import { watchedAt } from './watched-at';

export type WatchSource = 'plex' | 'jellyfin' | 'emby';

/**
 * What happened. Only `scrobble` (the item was watched to the end) marks anything today;
 * `progress` (playback started, paused, resumed, stopped) and `rating` have room here for the
 * capabilities that will read them; `other` is anything that is not someone's playback.
 */
export type WatchAction = 'scrobble' | 'progress' | 'rating' | 'other';

/** An episode of a show. Show-level and episode-level external ids are kept apart. */
export type EpisodeMedia = {
  kind: 'episode';
  /** The source's key of the episode itself (Plex: ratingKey). */
  itemKey: string;
  show: {
    /** The source's key of the show: what show mappings and conflicts are filed under. */
    key?: string;
    /** As the source shows it, a year in it included ("Doctor Who (2005)"). */
    title?: string;
    /** The source's own identifier of the show (Plex: grandparentGuid), kept on the mapping. */
    guid?: string;
    /** The SHOW's external ids (legacy agents, the show's guid); never the episode's. */
    ids: ExternalIds;
    /** The show's own year when the source sends it apart from the title (Jellyfin's `Year`). */
    year?: number;
  };
  /** The episode's own external ids (Plex's new agents: `Guid[]`). */
  ids: ExternalIds;
  title?: string;
  season?: number;
  episode?: number;
  /** YYYY-MM-DD, when the source gave a valid date. */
  airDate?: string;
  /** The episode's year. */
  year?: number;
  /** A numbering other than the catalogue's season/episode (HAMA's anidb, tvdb2..6), or null. */
  customNumbering: string | null;
  /**
   * The last episode of a multi-episode file (S01E01-E02: 2), when the source says so
   * (Jellyfin's EpisodeNumberEnd, Emby's IndexNumberEnd). Plex does not: it makes each episode
   * of such a file an item of its own and names the one played.
   */
  episodeEnd?: number;
};

/** The longest run one file is believed to hold; a larger end is a bad value, not a file. */
const MAX_EPISODES_PER_FILE = 20;

/** `end` as an EpisodeMedia.episodeEnd: after `first`, within a file's reach; else undefined. */
export function multiEpisodeEnd(first: number | undefined, end: number | undefined): number | undefined {
  if (first === undefined || end === undefined) return undefined;
  return end > first && end - first < MAX_EPISODES_PER_FILE ? end : undefined;
}

export type MovieMedia = {
  kind: 'movie';
  itemKey: string;
  /** The source's own identifier of the movie (Plex: guid), kept on the mapping. */
  guid?: string;
  title?: string;
  originalTitle?: string;
  year?: number;
  ids: ExternalIds;
};

export type WatchMedia = EpisodeMedia | MovieMedia;

export type WatchEvent = {
  source: WatchSource;
  /** The source's own event name (`media.scrobble`), as the log records it. */
  sourceEvent: string;
  action: WatchAction;
  /** The server that sent it. */
  server: { id?: string; name?: string };
  /** Who: the tracker user the webhook URL belongs to, and the account on the server. */
  userId: number;
  account?: { id?: string; name?: string };
  /** The webhook's own account played it (Plex: `user: true`), whatever it is called. */
  ownAccount: boolean;
  /** The media, when it is a kind we track; else why not (null: the event carries none). */
  media: WatchMedia | { kind: 'unsupported'; reason: string } | null;
  receivedAt: Date;
  /** When it was watched: the source's time if plausible, else receipt time. */
  watchedAt: Date;
  /** What the log row is filed under (a show's key for an episode) and a readable label. */
  summary: { key: string | null; label: string | null };
  /** The library section the item is in (filters), as the source names it. */
  library?: { id?: string; title?: string };
  /** The player it played on: sessions are per player; filters. */
  player?: { id?: string; name?: string };
  /** Play, pause, resume, stop (and a scrobble): where playback is, in ms. */
  playback?: PlaybackInfo;
  /** A rating event: the value (null: cleared) and what was rated (a show too). */
  rating?: RatingInfo;
};

export type PlaybackInfo = {
  /** The state the event leaves the player in (a scrobble: stopped, the play is counted). */
  state: 'playing' | 'paused' | 'stopped';
  positionMs?: number;
  durationMs?: number;
};

export type RatingInfo = {
  /** 0-10; null when the rating was cleared (Plex: absent or 0). */
  value: number | null;
  target: RatedItem;
};

/** What a rating is about: an episode (with its show's key), a show, or a movie. */
export type RatedItem = {
  kind: 'episode' | 'show' | 'movie';
  itemKey: string;
  /** The show's key (mappings' key) of an episode; a show's own key for a show. */
  showKey?: string;
  title?: string;
  season?: number;
  episode?: number;
};

const pad = (n: number | undefined) => (n === undefined ? '??' : String(n).padStart(2, '0'));

/** "S01E02", or "S??E02" for a number the source did not give. */
export function episodeCode(season: number | undefined, episode: number | undefined): string {
  return `S${pad(season)}E${pad(episode)}`;
}

/** The rating key a log row is filed under (the show's for an episode) and a readable label. */
export function plexSummary(m: PlexMetadata | undefined): WatchEvent['summary'] {
  if (!m) return { key: null, label: null };
  if (m.type === 'episode') {
    return {
      key: m.grandparentRatingKey ?? null,
      label: `${m.grandparentTitle ?? '?'} ${episodeCode(m.parentIndex, m.index)}${m.title ? ` · ${m.title}` : ''}`,
    };
  }
  return { key: m.ratingKey, label: m.title ?? null };
}

/**
 * Best-effort log fields of a payload that did not parse (or a job that is malformed): its
 * event name and the rating key it would be filed under.
 */
export function plexRawSummary(payload: unknown): { eventType: string | null; key: string | null } {
  const p = (payload ?? {}) as { event?: unknown; Metadata?: Record<string, unknown> };
  const m = p.Metadata && typeof p.Metadata === 'object' ? p.Metadata : undefined;
  const key = m?.type === 'episode' ? m?.grandparentRatingKey : m?.ratingKey;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return { eventType: str(p.event), key: typeof key === 'number' ? String(key) : str(key) };
}

function plexAction(event: string): WatchAction {
  if (event === 'media.scrobble') return 'scrobble';
  if (event === 'media.rate') return 'rating';
  return event.startsWith('media.') ? 'progress' : 'other';
}

function isLiveTv(metadata: PlexMetadata): boolean {
  if (metadata.librarySectionType === 'livetv') return true;
  if (metadata.key?.startsWith('/livetv')) return true;
  const live = metadata.live;
  // `live: 0` / "0" mean not live; plain truthiness would read "0" as live.
  return live === true || live === 1 || live === '1' || live === 'true';
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD (no 2021-02-30). */
export function isValidIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

const integer = (n: number | undefined) => (n !== undefined && Number.isInteger(n) ? n : undefined);

/** A Plex movie item as watch media. */
export function plexMovie(metadata: PlexMetadata): MovieMedia {
  return {
    kind: 'movie',
    itemKey: metadata.ratingKey,
    guid: metadata.guid,
    title: metadata.title,
    originalTitle: metadata.originalTitle,
    year: metadata.year,
    ids: extractIds(metadata).movie,
  };
}

/** A Plex episode item as watch media. */
export function plexEpisode(metadata: PlexMetadata): EpisodeMedia {
  const airDate = metadata.originallyAvailableAt?.trim().slice(0, 10);
  const ids = extractIds(metadata);
  return {
    kind: 'episode',
    itemKey: metadata.ratingKey,
    show: {
      key: metadata.grandparentRatingKey,
      title: metadata.grandparentTitle,
      guid: metadata.grandparentGuid,
      ids: ids.show,
    },
    ids: ids.episode,
    title: metadata.title,
    season: metadata.parentIndex,
    episode: metadata.index,
    airDate: airDate && isValidIsoDate(airDate) ? airDate : undefined,
    year: integer(metadata.year),
    customNumbering: hamaCustomNumbering(metadata),
  };
}

/** What a Plex metadata item is as watch media: an episode, a movie, or why it is not tracked. */
export function plexMedia(metadata: PlexMetadata | undefined): WatchEvent['media'] {
  if (!metadata) return null;
  const unsupported = (reason: string) => ({ kind: 'unsupported' as const, reason });
  // Live TV first: a live broadcast is typed "episode" but is not in any library to track.
  if (isLiveTv(metadata)) return unsupported('live TV is not tracked');
  if (metadata.type === 'clip' || metadata.subtype === 'trailer' || metadata.extraType !== undefined) {
    return unsupported('trailers, extras and clips are not tracked');
  }
  if (metadata.type === 'track' || metadata.librarySectionType === 'artist') {
    return unsupported('music is not tracked');
  }
  if (metadata.type === 'photo' || metadata.librarySectionType === 'photo') {
    return unsupported('photos are not tracked');
  }
  if (metadata.type === 'movie') return plexMovie(metadata);
  if (metadata.type === 'episode') return plexEpisode(metadata);
  return unsupported(`media type ${metadata.type} is not tracked`);
}

const PLEX_PLAYBACK_STATES: Record<string, PlaybackInfo['state']> = {
  'media.play': 'playing',
  'media.resume': 'playing',
  'media.pause': 'paused',
  'media.stop': 'stopped',
  'media.scrobble': 'stopped',
};

/** A millisecond count Plex gave (viewOffset, duration) that an int4 column can hold. */
const millis = (n: number | undefined) =>
  n !== undefined && Number.isFinite(n) && n >= 0 && n <= 2_147_483_647 ? Math.round(n) : undefined;

/** Where playback is, for the events that say it (play, pause, resume, stop, scrobble). */
export function plexPlayback(event: string, m: PlexMetadata | undefined): PlaybackInfo | undefined {
  const state = PLEX_PLAYBACK_STATES[event];
  if (!state) return undefined;
  const info: PlaybackInfo = { state };
  const positionMs = millis(m?.viewOffset);
  const durationMs = millis(m?.duration);
  if (positionMs !== undefined) info.positionMs = positionMs;
  if (durationMs !== undefined && durationMs > 0) info.durationMs = durationMs;
  return info;
}

/**
 * media.rate: `userRating` 0-10; absent or 0 is Plex clearing it. Episodes, movies and shows
 * (Plex rates a show as a whole too: `type: show`).
 */
export function plexRating(event: string, m: PlexMetadata | undefined): RatingInfo | undefined {
  if (event !== 'media.rate' || !m) return undefined;
  const r = m.userRating;
  const value = r !== undefined && Number.isFinite(r) && r > 0 ? Math.min(r, 10) : null;
  if (m.type === 'show') {
    return { value, target: { kind: 'show', itemKey: m.ratingKey, showKey: m.ratingKey, title: m.title } };
  }
  const media = plexMedia(m);
  if (media?.kind === 'episode') {
    const target: RatedItem = { kind: 'episode', itemKey: media.itemKey, title: media.show.title };
    if (media.show.key !== undefined) target.showKey = media.show.key;
    if (media.season !== undefined) target.season = media.season;
    if (media.episode !== undefined) target.episode = media.episode;
    return { value, target };
  }
  if (media?.kind === 'movie')
    return { value, target: { kind: 'movie', itemKey: media.itemKey, title: media.title } };
  return undefined;
}

/** The Plex adapter: a parsed webhook payload as a watch event. */
export function plexWatchEvent(payload: PlexPayload, job: { userId: number; receivedAt: Date }): WatchEvent {
  const account = payload.Account;
  const m = payload.Metadata;
  const player = payload.Player;
  const playback = plexPlayback(payload.event, m);
  const rating = plexRating(payload.event, m);
  return {
    ...(m && (m.librarySectionID !== undefined || m.librarySectionTitle !== undefined)
      ? {
          library: {
            id: m.librarySectionID === undefined ? undefined : String(m.librarySectionID),
            title: m.librarySectionTitle,
          },
        }
      : {}),
    ...(player && (player.uuid !== undefined || player.title !== undefined)
      ? { player: { id: player.uuid, name: player.title } }
      : {}),
    ...(playback ? { playback } : {}),
    ...(rating ? { rating } : {}),
    source: 'plex',
    sourceEvent: payload.event,
    action: plexAction(payload.event),
    server: { id: payload.Server?.uuid, name: payload.Server?.title },
    userId: job.userId,
    account: account && {
      id: account.id === undefined ? undefined : String(account.id),
      name: account.title,
    },
    ownAccount: payload.user === true,
    media: plexMedia(payload.Metadata),
    receivedAt: job.receivedAt,
    watchedAt: watchedAt(payload, job.receivedAt),
    summary: plexSummary(payload.Metadata),
  };
}

/** What to look for in the catalogue for an episode: its show's title, and the episode's facts. */
export function episodeQuery(media: EpisodeMedia): ShowQuery {
  const { title, year } = splitTitleYear(media.show.title ?? '');
  const query: ShowQuery = { title };
  const titleYear = year ?? media.show.year;
  if (titleYear !== undefined) query.titleYear = titleYear;
  // These are the episode's own date and year, never the show's.
  if (media.airDate !== undefined) query.episodeAirDate = media.airDate;
  if (media.year !== undefined) query.episodeYear = media.year;
  if (media.season !== undefined) query.season = media.season;
  if (media.episode !== undefined) query.episode = media.episode;
  if (media.title) query.episodeTitle = media.title;
  return query;
}

/** What to look for in the catalogue for a movie. */
export function movieQuery(media: MovieMedia): MovieQuery {
  const { title, year: titleYear } = splitTitleYear(media.title ?? '');
  const query: MovieQuery = { title };
  const original = media.originalTitle?.trim();
  if (original && original !== title) query.originalTitle = original;
  const year = integer(media.year) ?? titleYear;
  if (year !== undefined) query.year = year;
  return query;
}

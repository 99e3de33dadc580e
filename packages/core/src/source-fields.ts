// Field readers shared by the Jellyfin and Emby adapters. Both servers' webhooks are loosely
// typed: Jellyfin's plugin renders every value as text when a template is used ("True", "1",
// ""), and sends real JSON types with "Send All Properties". These read either form and turn
// anything else into "absent", so an adapter never throws on a payload.
import { type ExternalIds, normalizeImdbId, parseNumericId } from './guid';
import { toNumberIfNumeric } from './plex-payload';
import {
  episodeCode,
  isValidIsoDate,
  type PlaybackInfo,
  type RatedItem,
  type WatchEvent,
} from './watch-event';

export type JsonObject = Record<string, unknown>;

/** What an adapter of a JSON webhook is given: the tracker user, receipt time, the body. */
export type SourceInput = { userId: number; receivedAt: Date; payload: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The payload as an object. A string is parsed as JSON: Jellyfin's plugin posts `text/plain`
 * by default and Emby's multipart `data` field is a JSON string, so whoever hands us the body
 * may not have parsed it. Null when it is neither an object nor a JSON object's text.
 */
export function payloadObject(payload: unknown): JsonObject | null {
  if (typeof payload === 'string') {
    try {
      const parsed: unknown = JSON.parse(payload);
      return isObject(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  return isObject(payload) ? payload : null;
}

/** A non-empty trimmed string (a finite number as its decimal text), else undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** true/false, or their text in any case ("True" from a Jellyfin template); else undefined. */
export function flag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return undefined;
}

/** A finite number, or a numeric string as one; else undefined. */
export function numeric(value: unknown): number | undefined {
  const n = toNumberIfNumeric(value);
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** A year that can be one (1800..9999 as an integer), else undefined. */
export function year(value: unknown): number | undefined {
  const n = numeric(value);
  return n !== undefined && Number.isInteger(n) && n >= 1800 && n <= 9999 ? n : undefined;
}

/** The YYYY-MM-DD at the start of a date or timestamp, if it is a real date. */
export function isoDay(value: unknown): string | undefined {
  const day = text(value)?.slice(0, 10);
  return day && isValidIsoDate(day) ? day : undefined;
}

/**
 * Epoch ms of an ISO timestamp. .NET writes seven fractional digits
 * ("2023-08-19T00:49:07.8523469Z"); those are cut to three so every engine parses them alike.
 */
export function timestampMs(value: unknown): number | undefined {
  const raw = text(value);
  if (!raw || !/^\d{4}-\d{2}-\d{2}T/.test(raw)) return undefined;
  const ms = Date.parse(raw.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** .NET ticks (100 ns: Jellyfin's and Emby's positions and runtimes) as ms an int4 can hold. */
export function ticksMs(value: unknown): number | undefined {
  const n = numeric(value);
  if (n === undefined || n < 0) return undefined;
  const ms = Math.round(n / 10_000);
  return ms <= 2_147_483_647 ? ms : undefined;
}

/** Where playback is: the state an event leaves the player in, and position/runtime in ms. */
export function playbackOf(
  state: PlaybackInfo['state'] | undefined,
  position: unknown,
  runtime: unknown,
): PlaybackInfo | undefined {
  if (!state) return undefined;
  const info: PlaybackInfo = { state };
  const positionMs = ticksMs(position);
  const durationMs = ticksMs(runtime);
  if (positionMs !== undefined) info.positionMs = positionMs;
  if (durationMs !== undefined && durationMs > 0) info.durationMs = durationMs;
  return info;
}

/** A rating as the servers keep it (0-10; Jellyfin's UserData.Rating): null when cleared or absent. */
export function ratingValue(value: unknown): number | null {
  const n = numeric(value);
  return n !== undefined && n > 0 ? Math.min(n, 10) : null;
}

/** What a rating is about, from the event's media (an episode with its show's key, or a movie). */
export function ratedItem(media: WatchEvent['media']): RatedItem | undefined {
  if (media?.kind === 'episode') {
    const target: RatedItem = { kind: 'episode', itemKey: media.itemKey, title: media.show.title };
    if (media.show.key !== undefined) target.showKey = media.show.key;
    if (media.season !== undefined) target.season = media.season;
    if (media.episode !== undefined) target.episode = media.episode;
    return target;
  }
  if (media?.kind === 'movie') return { kind: 'movie', itemKey: media.itemKey, title: media.title };
  return undefined;
}

/** External ids from provider-id values; each kept only when it can name a catalogue row. */
export function providerIds(raw: { tmdb?: unknown; tvdb?: unknown; imdb?: unknown }): ExternalIds {
  const ids: ExternalIds = {};
  const tmdb = text(raw.tmdb);
  const tvdb = text(raw.tvdb);
  const imdb = text(raw.imdb);
  const tmdbId = tmdb === undefined ? undefined : parseNumericId(tmdb);
  const tvdbId = tvdb === undefined ? undefined : parseNumericId(tvdb);
  const imdbId = imdb === undefined ? undefined : normalizeImdbId(imdb);
  if (tmdbId !== undefined) ids.tmdb = tmdbId;
  if (tvdbId !== undefined) ids.tvdb = tvdbId;
  if (imdbId !== undefined) ids.imdb = imdbId;
  return ids;
}

/** The log's key (a show's for an episode) and label, as plexSummary files Plex rows. */
export function mediaSummary(
  media: WatchEvent['media'],
  fallback: { key?: string; label?: string },
): WatchEvent['summary'] {
  if (media?.kind === 'episode') {
    return {
      key: media.show.key ?? null,
      label: `${media.show.title ?? '?'} ${episodeCode(media.season, media.episode)}${media.title ? ` · ${media.title}` : ''}`,
    };
  }
  if (media?.kind === 'movie') return { key: media.itemKey, label: media.title ?? null };
  return { key: fallback.key ?? null, label: fallback.label ?? null };
}

/** An event for a body that is not the source's payload at all: logged, never acted on. */
export function foreignEvent(source: WatchEvent['source'], input: SourceInput, reason: string): WatchEvent {
  return {
    source,
    sourceEvent: 'unknown',
    action: 'other',
    server: {},
    userId: input.userId,
    ownAccount: false,
    media: { kind: 'unsupported', reason },
    receivedAt: input.receivedAt,
    watchedAt: input.receivedAt,
    summary: { key: null, label: null },
  };
}

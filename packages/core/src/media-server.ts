// Jellyfin's and Emby's item API, the pure half: the URL of a series' item and what its answer
// says about the show (title, original title, first year, the SERIES' own provider ids). The
// worker's series-lookup client does the fetching. A webhook's Provider_* / ProviderIds are the
// episode's; these are the only show-level ids these servers give us.
import type { ExternalIds } from './guid';
import type { PlexShowInfo } from './plex-server';
import { httpServerBase } from './server-url';
import { isObject, isoDay, type JsonObject, providerIds, text, year } from './source-fields';

export type MediaServerSource = 'jellyfin' | 'emby';

/** The fields asked for where a server needs them listed (Emby's /Items query). */
const FIELDS = 'ProviderIds,ProductionYear,PremiereDate,OriginalTitle';

/**
 * Jellyfin: `{server}/Items/{id}` (10.9 and later; every field of one item). Emby:
 * `{server}/Items?Ids={id}&Fields=…` (its per-item route needs a user id; the query does not).
 * A trailing slash or a base path (`/jellyfin`) is kept; odd ids are refused.
 */
export function mediaServerItemUrl(
  source: MediaServerSource,
  serverUrl: string,
  itemId: string,
): string | null {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(itemId)) return null;
  const base = httpServerBase(serverUrl);
  if (!base) return null;
  const { path } = base;
  const url = new URL(base.origin);
  if (source === 'jellyfin') {
    url.pathname = `${path}/Items/${itemId}`;
  } else {
    url.pathname = `${path}/Items`;
    url.searchParams.set('Ids', itemId);
    url.searchParams.set('Fields', FIELDS);
  }
  return url.toString();
}

/** The series' ids from its ProviderIds (keys in any case: `Tmdb`, `tmdb`). */
function seriesIds(raw: unknown): ExternalIds {
  const ids = isObject(raw) ? raw : {};
  const value = (name: string) => {
    const key = Object.keys(ids).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : ids[key];
  };
  return providerIds({ tmdb: value('tmdb'), tvdb: value('tvdb'), imdb: value('imdb') });
}

export type SeriesAnswer = { ok: true; show: PlexShowInfo } | { ok: false; reason: string };

/**
 * A series from the item API's answer: one item (Jellyfin) or `{Items: [item]}` (Emby). Only an
 * item of type `Series` with the asked-for id counts: anything else (an episode, a movie, a
 * season) would hand over ids that are not the show's.
 */
export function parseMediaServerSeries(raw: unknown, seriesId: string): SeriesAnswer {
  let item: JsonObject | undefined;
  if (isObject(raw) && Array.isArray(raw.Items)) {
    item = raw.Items.find((i): i is JsonObject => isObject(i));
  } else if (isObject(raw)) {
    item = raw;
  }
  if (!item) return { ok: false, reason: 'the server answered no item' };
  const type = text(item.Type);
  if (type !== 'Series') {
    return { ok: false, reason: `item ${seriesId} is of type ${type ?? '(none)'}, not a series` };
  }
  const id = text(item.Id);
  if (id !== undefined && id.replace(/-/g, '').toLowerCase() !== seriesId.replace(/-/g, '').toLowerCase()) {
    return { ok: false, reason: `the server answered item ${id}, not ${seriesId}` };
  }
  const title = text(item.Name);
  if (!title) return { ok: false, reason: `series ${seriesId} has no Name` };
  const show: PlexShowInfo = { ratingKey: seriesId, title, ids: seriesIds(item.ProviderIds) };
  const original = text(item.OriginalTitle);
  if (original && original !== title) show.originalTitle = original;
  const first = year(item.ProductionYear) ?? year(isoDay(item.PremiereDate)?.slice(0, 4));
  if (first !== undefined) show.year = first;
  return { ok: true, show };
}

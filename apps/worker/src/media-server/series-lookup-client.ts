// Show-level ids from the user's Jellyfin or Emby server: GET the series' item (core
// mediaServerItemUrl) with the user's API key, for its ProviderIds, first year and original
// title. Like plex/plex-metadata-client.ts (both on lookups/cached-json-lookup.ts): cached per (server, series) with a TTL and a
// size bound, concurrent lookups of one series share one request, a timeout or any failure is
// `{ ok: false }` and matching goes on by title, year and the episode's own evidence.
import {
  type MediaServerSource,
  mediaServerItemUrl,
  type PlexShowInfo,
  parseMediaServerSeries,
  SOURCE_NAMES,
} from '@plexhook/core';
import {
  createCachedJsonLookup,
  type LoadAnswer,
  type LookupClientOptions,
} from '../lookups/cached-json-lookup';

export type MediaServerRef = { source: MediaServerSource; url: string; apiKey: string };

export type SeriesLookup = { ok: true; show: PlexShowInfo; cached: boolean } | { ok: false; reason: string };

export type SeriesLookupClient = {
  /** Never throws: every failure is `{ ok: false }`, and the caller matches by title instead. */
  fetchSeries(server: MediaServerRef, seriesId: string): Promise<SeriesLookup>;
  readonly size: number;
};

export type SeriesLookupClientOptions = LookupClientOptions;

export function createSeriesLookupClient(opts: SeriesLookupClientOptions): SeriesLookupClient {
  const lookups = createCachedJsonLookup(opts);

  async function request(
    server: MediaServerRef,
    url: string,
    seriesId: string,
  ): Promise<LoadAnswer<PlexShowInfo>> {
    // The key in headers only (both servers read X-Emby-Token; Jellyfin's own scheme too), never
    // in the URL, so it cannot end up in a log line or a proxy's access log.
    const headers: Record<string, string> = { 'X-Emby-Token': server.apiKey, Accept: 'application/json' };
    if (server.source === 'jellyfin') headers.Authorization = `MediaBrowser Token="${server.apiKey}"`;
    const answer = parseMediaServerSeries(
      await lookups.getJson(url, headers, SOURCE_NAMES[server.source]),
      seriesId,
    );
    return answer.ok ? { ok: true, value: answer.show } : answer;
  }

  return {
    get size() {
      return lookups.size;
    },
    async fetchSeries(server, seriesId) {
      const name = SOURCE_NAMES[server.source];
      const url = mediaServerItemUrl(server.source, server.url, seriesId);
      if (!url) return { ok: false, reason: `unusable ${name} server URL or series id` };
      const found = await lookups.lookup(`${server.source} ${url}`, () => request(server, url, seriesId));
      if (found.ok) return { ok: true, show: found.value, cached: found.cached };
      opts.logger.warn(
        { mediaServer: new URL(url).origin, source: server.source, seriesId, reason: found.reason },
        found.kind === 'answer'
          ? `${name} series lookup gave no series; matching by title`
          : `${name} series lookup failed; matching by title`,
      );
      return { ok: false, reason: found.reason };
    },
  };
}

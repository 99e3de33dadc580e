import { type PlexShowInfo, parsePlexShowResponse, plexMetadataUrl } from '@plexhook/core';
import {
  createCachedJsonLookup,
  type LoadAnswer,
  type LookupClientOptions,
} from '../lookups/cached-json-lookup';

export type PlexServerRef = { url: string; token: string };

export type PlexShowLookup =
  | { ok: true; show: PlexShowInfo; cached: boolean }
  | { ok: false; reason: string };

export type PlexMetadataClient = {
  /** Never throws: every failure is `{ ok: false }`, and the caller matches by title instead. */
  fetchShow(server: PlexServerRef, ratingKey: string): Promise<PlexShowLookup>;
  readonly size: number;
};

export type PlexMetadataClientOptions = LookupClientOptions;

/**
 * GET {server}/library/metadata/{ratingKey} for a show's own ids (an episode's Guid[] only has
 * the episode's). Cached per (server, rating key) with a TTL and a size bound, in memory: a
 * show is looked up on its first scrobble only, so the cache mostly absorbs bursts (a season
 * binge queued at once). Concurrent lookups of one show share one request (lookups/cached-json-lookup.ts).
 * The token goes in a header only and is never logged; URLs are logged by origin.
 */
export function createPlexMetadataClient(opts: PlexMetadataClientOptions): PlexMetadataClient {
  const lookups = createCachedJsonLookup(opts);

  async function request(url: string, token: string): Promise<LoadAnswer<PlexShowInfo>> {
    const json = await lookups.getJson(url, { 'X-Plex-Token': token, Accept: 'application/json' }, 'Plex');
    const show = parsePlexShowResponse(json);
    return show ? { ok: true, value: show } : { ok: false, reason: 'Plex server did not answer with a show' };
  }

  return {
    get size() {
      return lookups.size;
    },
    async fetchShow(server, ratingKey) {
      const url = plexMetadataUrl(server.url, ratingKey);
      if (!url) return { ok: false, reason: 'unusable Plex server URL or rating key' };
      const origin = new URL(url).origin;
      const found = await lookups.lookup(url, () => request(url, server.token));
      if (found.ok) return { ok: true, show: found.value, cached: found.cached };
      if (found.kind === 'error')
        opts.logger.warn(
          { plexServer: origin, ratingKey, reason: found.reason },
          'Plex metadata lookup failed; matching by title',
        );
      return { ok: false, reason: found.reason };
    },
  };
}

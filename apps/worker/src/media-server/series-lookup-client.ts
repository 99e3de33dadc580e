// Show-level ids from the user's Jellyfin or Emby server: GET the series' item (core
// mediaServerItemUrl) with the user's API key, for its ProviderIds, first year and original
// title. Modelled on plex/plex-metadata-client.ts: cached per (server, series) with a TTL and a
// size bound, concurrent lookups of one series share one request, a timeout or any failure is
// `{ ok: false }` and matching goes on by title, year and the episode's own evidence.
import {
  type MediaServerSource,
  mediaServerItemUrl,
  type PlexShowInfo,
  parseMediaServerSeries,
  type SeriesAnswer,
  SOURCE_NAMES,
} from '@plexhook/core';
import type { Logger } from 'pino';

export type MediaServerRef = { source: MediaServerSource; url: string; apiKey: string };

export type SeriesLookup = { ok: true; show: PlexShowInfo; cached: boolean } | { ok: false; reason: string };

export type SeriesLookupClient = {
  /** Never throws: every failure is `{ ok: false }`, and the caller matches by title instead. */
  fetchSeries(server: MediaServerRef, seriesId: string): Promise<SeriesLookup>;
  readonly size: number;
};

export type SeriesLookupClientOptions = {
  timeoutMs: number;
  ttlMs: number;
  maxEntries: number;
  logger: Logger;
  now?: () => number;
};

// One item's JSON is a few kilobytes; anything this large is not what we asked for.
const MAX_BODY_BYTES = 1_000_000;

type Entry = { expires: number; value: Promise<SeriesAnswer> };

export function createSeriesLookupClient(opts: SeriesLookupClientOptions): SeriesLookupClient {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Entry>();

  function remember(key: string, value: Promise<SeriesAnswer>): void {
    if (opts.ttlMs <= 0) return;
    cache.delete(key);
    cache.set(key, { expires: now() + opts.ttlMs, value });
    // Map keeps insertion order: the first keys are the least recently used.
    while (cache.size > opts.maxEntries) cache.delete(cache.keys().next().value as string);
  }

  async function request(server: MediaServerRef, url: string, seriesId: string): Promise<SeriesAnswer> {
    const name = SOURCE_NAMES[server.source];
    // The key in headers only (both servers read X-Emby-Token; Jellyfin's own scheme too), never
    // in the URL, so it cannot end up in a log line or a proxy's access log.
    const headers: Record<string, string> = { 'X-Emby-Token': server.apiKey, Accept: 'application/json' };
    if (server.source === 'jellyfin') headers.Authorization = `MediaBrowser Token="${server.apiKey}"`;
    const res = await fetch(url, {
      headers,
      // A redirect could carry the key to another host.
      redirect: 'error',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${name} server answered HTTP ${res.status}`);
    }
    const text = await readCapped(res, name);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${name} server answered something that is not JSON`);
    }
    return parseMediaServerSeries(json, seriesId);
  }

  return {
    get size() {
      return cache.size;
    },
    async fetchSeries(server, seriesId) {
      const name = SOURCE_NAMES[server.source];
      const url = mediaServerItemUrl(server.source, server.url, seriesId);
      if (!url) return { ok: false, reason: `unusable ${name} server URL or series id` };
      const key = `${server.source} ${url}`;
      const hit = cache.get(key);
      let cached = false;
      let pending: Promise<SeriesAnswer>;
      if (hit && hit.expires > now()) {
        cached = true;
        pending = hit.value;
        remember(key, hit.value);
      } else {
        pending = request(server, url, seriesId);
        remember(key, pending);
      }
      try {
        const answer = await pending;
        if (!answer.ok) {
          cache.delete(key);
          opts.logger.warn(
            { mediaServer: new URL(url).origin, source: server.source, seriesId, reason: answer.reason },
            `${name} series lookup gave no series; matching by title`,
          );
          return answer;
        }
        return { ok: true, show: answer.show, cached };
      } catch (err) {
        // Failures are not cached: the next first scrobble tries again.
        if (cache.get(key)?.value === pending) cache.delete(key);
        // DOMException (a timeout) is not always `instanceof Error` (another realm under jest).
        const errName = (err as { name?: unknown } | null)?.name;
        const reason =
          errName === 'TimeoutError' || errName === 'AbortError'
            ? `no answer within ${opts.timeoutMs} ms`
            : err instanceof Error
              ? err.message
              : String(err);
        opts.logger.warn(
          { mediaServer: new URL(url).origin, source: server.source, seriesId, reason },
          `${name} series lookup failed; matching by title`,
        );
        return { ok: false, reason };
      }
    },
  };
}

async function readCapped(res: Response, name: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new Error(`${name} server answer larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

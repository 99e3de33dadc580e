import { type PlexShowInfo, parsePlexShowResponse, plexMetadataUrl } from '@plexhook/core';
import type { Logger } from 'pino';

export type PlexServerRef = { url: string; token: string };

export type PlexShowLookup =
  | { ok: true; show: PlexShowInfo; cached: boolean }
  | { ok: false; reason: string };

export type PlexMetadataClient = {
  /** Never throws: every failure is `{ ok: false }`, and the caller matches by title instead. */
  fetchShow(server: PlexServerRef, ratingKey: string): Promise<PlexShowLookup>;
  readonly size: number;
};

export type PlexMetadataClientOptions = {
  timeoutMs: number;
  ttlMs: number;
  maxEntries: number;
  logger: Logger;
  now?: () => number;
};

// A show's metadata is a few kilobytes; anything this large is not what we asked for.
const MAX_BODY_BYTES = 1_000_000;

type Entry = { expires: number; value: Promise<PlexShowInfo | null> };

/**
 * GET {server}/library/metadata/{ratingKey} for a show's own ids (an episode's Guid[] only has
 * the episode's). Cached per (server, rating key) with a TTL and a size bound, in memory: a
 * show is looked up on its first scrobble only, so the cache mostly absorbs bursts (a season
 * binge queued at once). Concurrent lookups of one show share one request.
 * The token goes in a header only and is never logged; URLs are logged by origin.
 */
export function createPlexMetadataClient(opts: PlexMetadataClientOptions): PlexMetadataClient {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Entry>();

  function remember(key: string, value: Promise<PlexShowInfo | null>): void {
    if (opts.ttlMs <= 0) return;
    cache.delete(key);
    cache.set(key, { expires: now() + opts.ttlMs, value });
    // Map keeps insertion order: the first keys are the least recently used.
    while (cache.size > opts.maxEntries) cache.delete(cache.keys().next().value as string);
  }

  async function request(url: string, token: string): Promise<PlexShowInfo | null> {
    const res = await fetch(url, {
      headers: { 'X-Plex-Token': token, Accept: 'application/json' },
      // A redirect could carry the token header to another host.
      redirect: 'error',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`Plex server answered HTTP ${res.status}`);
    }
    const text = await readCapped(res);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error('Plex server answered something that is not JSON');
    }
    return parsePlexShowResponse(json);
  }

  return {
    get size() {
      return cache.size;
    },
    async fetchShow(server, ratingKey) {
      const url = plexMetadataUrl(server.url, ratingKey);
      if (!url) return { ok: false, reason: 'unusable Plex server URL or rating key' };
      const origin = new URL(url).origin;
      const key = `${url}`;
      const hit = cache.get(key);
      let cached = false;
      let pending: Promise<PlexShowInfo | null>;
      if (hit && hit.expires > now()) {
        cached = true;
        pending = hit.value;
        remember(key, hit.value);
      } else {
        pending = request(url, server.token);
        remember(key, pending);
      }
      try {
        const show = await pending;
        if (!show) {
          cache.delete(key);
          return { ok: false, reason: 'Plex server did not answer with a show' };
        }
        return { ok: true, show, cached };
      } catch (err) {
        // Failures are not cached: the next first-scrobble tries again.
        if (cache.get(key)?.value === pending) cache.delete(key);
        // DOMException (a timeout) is not always `instanceof Error` (another realm under jest).
        const name = (err as { name?: unknown } | null)?.name;
        const reason =
          name === 'TimeoutError' || name === 'AbortError'
            ? `no answer within ${opts.timeoutMs} ms`
            : err instanceof Error
              ? err.message
              : String(err);
        opts.logger.warn(
          { plexServer: origin, ratingKey, reason },
          'Plex metadata lookup failed; matching by title',
        );
        return { ok: false, reason };
      }
    },
  };
}

async function readCapped(res: Response): Promise<string> {
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
      throw new Error(`Plex server answer larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

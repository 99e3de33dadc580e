// One small lookup cache for the optional show-level lookups (plex/plex-metadata-client.ts,
// media-server/series-lookup-client.ts): answers cached per key with a TTL and a size bound (LRU),
// concurrent lookups of one key share one request (the promise is cached), a timeout, a capped
// body read, and never a throw: every failure is `{ ok: false, reason }`. Each client keeps its
// own URL, headers, parsing and log lines.
import type { Logger } from 'pino';

// One item's JSON is a few kilobytes; anything this large is not what we asked for.
const MAX_BODY_BYTES = 1_000_000;

/** What a load gives: a value to cache, or an answer that is not one (not cached). */
export type LoadAnswer<T> = { ok: true; value: T } | { ok: false; reason: string };

export type CachedLookupResult<T> =
  | { ok: true; value: T; cached: boolean }
  /** `error`: the request failed (HTTP, body, timeout); `answer`: the load's own `{ ok: false }`. */
  | { ok: false; reason: string; kind: 'answer' | 'error' };

export type CachedJsonLookupOptions = {
  timeoutMs: number;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
};

/** A client's options: the cache's, and where it logs its failures. */
export type LookupClientOptions = CachedJsonLookupOptions & { logger: Logger };

export type CachedJsonLookup = {
  /** Never throws. A failure or a not-ok answer is not cached: the next lookup tries again. */
  lookup<T>(key: string, load: () => Promise<LoadAnswer<T>>): Promise<CachedLookupResult<T>>;
  /**
   * GET `url` as JSON: no redirects (one could carry a credential header to another host),
   * the options' timeout, the body capped. Throws `Error`s whose message names `serverName`.
   */
  getJson(url: string, headers: Record<string, string>, serverName: string): Promise<unknown>;
  readonly size: number;
};

type Entry = { expires: number; value: Promise<LoadAnswer<unknown>> };

export function createCachedJsonLookup(opts: CachedJsonLookupOptions): CachedJsonLookup {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Entry>();

  function remember(key: string, value: Promise<LoadAnswer<unknown>>): void {
    if (opts.ttlMs <= 0) return;
    cache.delete(key);
    cache.set(key, { expires: now() + opts.ttlMs, value });
    // Map keeps insertion order: the first keys are the least recently used.
    while (cache.size > opts.maxEntries) cache.delete(cache.keys().next().value as string);
  }

  return {
    get size() {
      return cache.size;
    },
    async lookup<T>(key: string, load: () => Promise<LoadAnswer<T>>): Promise<CachedLookupResult<T>> {
      const hit = cache.get(key);
      let cached = false;
      let pending: Promise<LoadAnswer<unknown>>;
      if (hit && hit.expires > now()) {
        cached = true;
        pending = hit.value;
        remember(key, hit.value);
      } else {
        pending = load();
        remember(key, pending);
      }
      try {
        const answer = (await pending) as LoadAnswer<T>;
        if (!answer.ok) {
          cache.delete(key);
          return { ok: false, reason: answer.reason, kind: 'answer' };
        }
        return { ok: true, value: answer.value, cached };
      } catch (err) {
        // Failures are not cached: the next lookup tries again.
        if (cache.get(key)?.value === pending) cache.delete(key);
        // DOMException (a timeout) is not always `instanceof Error` (another realm under jest).
        const errName = (err as { name?: unknown } | null)?.name;
        const reason =
          errName === 'TimeoutError' || errName === 'AbortError'
            ? `no answer within ${opts.timeoutMs} ms`
            : err instanceof Error
              ? err.message
              : String(err);
        return { ok: false, reason, kind: 'error' };
      }
    },
    async getJson(url, headers, serverName) {
      const res = await fetch(url, {
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`${serverName} server answered HTTP ${res.status}`);
      }
      const text = await readCapped(res, serverName);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`${serverName} server answered something that is not JSON`);
      }
    },
  };
}

async function readCapped(res: Response, serverName: string): Promise<string> {
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
      throw new Error(`${serverName} server answer larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

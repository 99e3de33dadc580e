import { findUserIdBySecretHash, hashSecret } from '@plexhook/db/src/lite';
import type { Pool } from 'pg';

export type SecretLookup = (secret: string) => Promise<number | null>;

type Entry = { userId: number; expires: number };
type Logger = { warn(o: object, m: string): void; info(o: object, m: string): void };

export type SecretLookupOptions = {
  /** Per map: known secrets and misses are kept apart, so a flood of wrong secrets cannot
   * evict the known ones (which are what an outage is served from). */
  maxEntries?: number;
  logger?: Logger;
  /** After a failed lookup, known secrets are served from the cache without asking the
   * database again for this long: during an outage a webhook does not wait for a connect
   * timeout first. Unknown secrets still ask (and get a 503 while it is down). */
  retryAfterErrorMs?: number;
  /** Called each time a known secret is answered from an expired entry (a metric). */
  onStale?: () => void;
};

/**
 * Secret -> user id, cached by digest for a TTL (misses too, so a flood of wrong secrets costs
 * no database round trips). While the database answers, rotation or revocation takes effect
 * within the TTL.
 *
 * Stale-while-error: when an entry for a known secret has expired and the database cannot be
 * asked (down, unreachable, timing out), the last known answer is used, for as long as the
 * database stays unreachable, and refreshed on the first lookup after it answers again. Plex
 * never resends a webhook, so refusing a secret we knew a minute ago loses it; the price is
 * that a secret revoked just before (within one TTL of) an outage keeps working until the
 * database is back. Misses are never served stale: an unknown secret during an outage throws
 * (the route answers 503), as a cold cache does.
 */
export function createSecretLookup(
  pool: Pool,
  ttlMs: number,
  options: SecretLookupOptions = {},
): SecretLookup {
  const maxEntries = options.maxEntries ?? 10_000;
  const retryAfterErrorMs = options.retryAfterErrorMs ?? 1_000;
  const known = new Map<string, Entry>();
  const misses = new Map<string, number>();
  /** Time of the last failed lookup while the database is considered down, else 0. */
  let downSince = 0;
  let lastError = 0;

  // Map keeps insertion order: dropping the first key evicts the oldest entry.
  const put = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key);
    if (map.size >= maxEntries) map.delete(map.keys().next().value as string);
    map.set(key, value);
  };

  return async (secret) => {
    const digest = hashSecret(secret);
    const now = Date.now();
    const hit = known.get(digest);
    if (hit && hit.expires > now) return hit.userId;
    if (!hit) {
      const missUntil = misses.get(digest);
      if (missUntil !== undefined && missUntil > now) return null;
    }
    if (hit && downSince > 0 && now - lastError < retryAfterErrorMs) {
      options.onStale?.();
      return hit.userId;
    }
    let userId: number | null;
    try {
      userId = await findUserIdBySecretHash(pool, digest);
    } catch (err) {
      lastError = Date.now();
      if (downSince === 0) {
        downSince = lastError;
        options.logger?.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'database unreachable: known webhook secrets are served from the cache until it answers',
        );
      }
      if (hit) {
        options.onStale?.();
        return hit.userId;
      }
      throw err;
    }
    if (downSince > 0) {
      options.logger?.info(
        { downMs: Date.now() - downSince },
        'database answers again: secret cache refreshed',
      );
      downSince = 0;
    }
    if (userId === null) {
      // Revoked or rotated: the old entry must not be served again in a later outage.
      known.delete(digest);
      if (ttlMs > 0) put(misses, digest, now + ttlMs);
    } else {
      misses.delete(digest);
      // With a TTL of 0 nothing is cached while the database answers, but the last answer is
      // still kept (already expired) for an outage.
      put(known, digest, { userId, expires: now + ttlMs });
    }
    return userId;
  };
}

import { findUserIdBySecretHash, hashSecret } from '@plexhook/db/src/lite';
import type { Pool } from 'pg';

export type SecretLookup = (secret: string) => Promise<number | null>;

/**
 * Secret -> user id, cached by digest for a short TTL (misses too, so a flood of wrong secrets
 * costs no database round trips). Rotation or revocation takes effect within the TTL.
 */
export function createSecretLookup(pool: Pool, ttlMs: number, maxEntries = 10_000): SecretLookup {
  const cache = new Map<string, { userId: number | null; expires: number }>();
  return async (secret) => {
    const digest = hashSecret(secret);
    const now = Date.now();
    const hit = cache.get(digest);
    if (hit && hit.expires > now) return hit.userId;
    const userId = await findUserIdBySecretHash(pool, digest);
    if (ttlMs > 0) {
      // Map keeps insertion order: dropping the first key evicts the oldest entry.
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(digest, { userId, expires: now + ttlMs });
    }
    return userId;
  };
}

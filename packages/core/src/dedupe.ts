import { createHash } from 'node:crypto';

export type DedupeKeyInput = {
  userId: number;
  event: string;
  ratingKey: string;
  accountId: string | number | undefined;
};

/**
 * Plex webhooks carry no event id, and Plex (or a client) can send the same scrobble twice.
 * The key identifies "this account finished this item" for a user; the time window is the
 * caller's (a Redis TTL), so a rewatch after the window counts again. Hex only: safe inside
 * a colon-separated Redis key.
 */
export function dedupeKey(input: DedupeKeyInput): string {
  // JSON keeps the parts unambiguous ("1"+"23" vs "12"+"3"); ids compare as strings so a
  // numeric 1 and a string "1" from a different Plex version give the same key.
  const material = JSON.stringify([
    input.userId,
    input.event,
    input.ratingKey,
    input.accountId === undefined ? null : String(input.accountId),
  ]);
  // 128 bits: collisions are not a concern at any realistic volume.
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

export type CrossSourceKeyInput = {
  userId: number;
  /** The catalogue item a play marked: an episode's or a movie's id. */
  kind: 'episode' | 'movie';
  itemId: number;
};

/**
 * One play reported by two servers of a household (Plex and Jellyfin on the same files): the
 * item keys differ, so dedupeKey cannot see it; what they share is the catalogue item the play
 * marks. Only used when the user turned `dedupe_across_sources` on.
 */
export function crossSourceDedupeKey(input: CrossSourceKeyInput): string {
  const material = JSON.stringify(['cross-source', input.userId, input.kind, input.itemId]);
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

import type { PlexMetadata, PlexPayload } from './plex-payload';

export type IgnoreAction = 'ignored_event' | 'ignored_disabled' | 'ignored_account';

export type EventClassification =
  | { kind: 'process'; mediaType: 'episode' | 'movie' }
  | { kind: 'ignore'; action: IgnoreAction; reason: string };

export type EventFilterConfig = { enabled: boolean; plexUsernames: string[] };

/**
 * Decides whether a webhook should be acted on. Only `media.scrobble` marks something
 * watched: Plex sends it once playback passes ~90%, whereas play/stop fire for partial views.
 */
export function classifyEvent(payload: PlexPayload, config: EventFilterConfig): EventClassification {
  if (!config.enabled) return ignore('ignored_disabled', 'Plex webhooks are disabled for this user');

  // Server events (library.new, admin.*, device.new) and any event without an account are not
  // someone's playback: what is ignored is the event, whatever the allow-list says.
  const isPlayback = payload.event.startsWith('media.') && payload.Account !== undefined;
  if (payload.event !== 'media.scrobble' && !isPlayback) {
    return ignore('ignored_event', `event ${payload.event} is not a scrobble`);
  }

  if (!isAllowedAccount(payload, config.plexUsernames)) {
    const who =
      payload.Account?.title ?? (payload.Account?.id !== undefined ? `#${payload.Account.id}` : 'none');
    return ignore('ignored_account', `Plex account ${who} is not in the allow-list`);
  }

  if (payload.event !== 'media.scrobble') {
    return ignore('ignored_event', `event ${payload.event} is not a scrobble`);
  }
  const metadata = payload.Metadata;
  if (!metadata) return ignore('ignored_event', 'scrobble without Metadata');

  // Live TV first: a live broadcast is typed "episode" but is not in any library to track.
  if (isLiveTv(metadata)) return ignore('ignored_event', 'live TV is not tracked');
  if (metadata.type === 'clip' || metadata.subtype === 'trailer' || metadata.extraType !== undefined) {
    return ignore('ignored_event', 'trailers, extras and clips are not tracked');
  }
  if (metadata.type === 'track' || metadata.librarySectionType === 'artist') {
    return ignore('ignored_event', 'music is not tracked');
  }
  if (metadata.type === 'photo' || metadata.librarySectionType === 'photo') {
    return ignore('ignored_event', 'photos are not tracked');
  }
  if (metadata.type === 'episode' || metadata.type === 'movie') {
    return { kind: 'process', mediaType: metadata.type };
  }
  return ignore('ignored_event', `media type ${metadata.type} is not tracked`);
}

function ignore(action: IgnoreAction, reason: string): EventClassification {
  return { kind: 'ignore', action, reason };
}

/**
 * Allow-list entry for "the Plex account this webhook belongs to", whatever it is called:
 * Plex sets `user: true` on its events. Not `owner`: that flag says the server owner has a
 * webhook, and a server owner's webhook also receives every shared user's plays with
 * `owner: true`, so it cannot tell the owner's own plays apart.
 */
export const SELF_ALLOW_ENTRY = '@me';

/**
 * The allow-list holds account titles (any case), numeric ids, or `@me`; empty means
 * everyone on the server.
 */
function isAllowedAccount(payload: PlexPayload, allowList: string[]): boolean {
  const allowed = allowList.map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
  if (allowed.length === 0) return true;
  if (payload.user === true && allowed.includes(SELF_ALLOW_ENTRY)) return true;
  const account = payload.Account;
  if (!account) return false;
  const title = account.title?.trim().toLowerCase();
  const id = account.id !== undefined ? String(account.id) : undefined;
  return allowed.some((entry) => entry === title || entry === id);
}

function isLiveTv(metadata: PlexMetadata): boolean {
  if (metadata.librarySectionType === 'livetv') return true;
  if (metadata.key?.startsWith('/livetv')) return true;
  const live = metadata.live;
  // `live: 0` / "0" mean not live; plain truthiness would read "0" as live.
  return live === true || live === 1 || live === '1' || live === 'true';
}

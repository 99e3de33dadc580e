import { filterPlayback, type PlaybackFilters } from './playback-filters';
import type { PlexPayload } from './plex-payload';
import { accountAllowList, SOURCE_NAMES, type SourceAccountLists } from './source-accounts';
import { plexWatchEvent, type WatchEvent } from './watch-event';

export type IgnoreAction =
  | 'ignored_event'
  | 'ignored_disabled'
  | 'ignored_account'
  | 'ignored_library'
  | 'ignored_server'
  | 'ignored_player';

export type EventClassification =
  | { kind: 'process'; action: 'scrobble' | 'progress'; mediaType: 'episode' | 'movie' }
  | { kind: 'process'; action: 'rating'; mediaType: 'episode' | 'movie' | 'show' }
  | { kind: 'ignore'; action: IgnoreAction; reason: string };

export type EventFilterConfig = {
  enabled: boolean;
  plexUsernames: string[];
} & Partial<PlaybackFilters> &
  SourceAccountLists;

/**
 * Decides whether a watch event should be acted on. Only a scrobble marks something watched:
 * Plex sends it once playback passes ~90%, whereas play/stop fire for partial views.
 */
export function classifyWatchEvent(event: WatchEvent, config: EventFilterConfig): EventClassification {
  if (!config.enabled) return ignore('ignored_disabled', 'Plex webhooks are disabled for this user');

  // Server events (library.new, admin.*, device.new) and any event without an account are not
  // someone's playback: what is ignored is the event, whatever the allow-list says.
  const isPlayback = event.action !== 'other' && event.account !== undefined;
  if (event.action !== 'scrobble' && !isPlayback) {
    return ignore('ignored_event', `event ${event.sourceEvent} is not a scrobble`);
  }

  if (!isAllowedAccount(event, accountAllowList(event.source, config))) {
    const who = event.account?.name ?? (event.account?.id !== undefined ? `#${event.account.id}` : 'none');
    return ignore('ignored_account', `${SOURCE_NAMES[event.source]} account ${who} is not in the allow-list`);
  }

  const filtered = filterPlayback(event, config);
  if (filtered) return filtered;

  const { media } = event;
  if (event.action === 'rating') {
    if (event.rating) return { kind: 'process', action: 'rating', mediaType: event.rating.target.kind };
    if (media?.kind === 'unsupported') return ignore('ignored_event', media.reason);
    return ignore('ignored_event', `${event.sourceEvent} without a rated episode, show or movie`);
  }
  if (event.action === 'progress' && !event.playback) {
    return ignore('ignored_event', `event ${event.sourceEvent} is not a playback state`);
  }
  if (!media) return ignore('ignored_event', `${event.action} without Metadata`);
  if (media.kind === 'unsupported') return ignore('ignored_event', media.reason);
  return {
    kind: 'process',
    action: event.action === 'scrobble' ? 'scrobble' : 'progress',
    mediaType: media.kind,
  };
}

/** classifyWatchEvent of a Plex payload. */
export function classifyEvent(payload: PlexPayload, config: EventFilterConfig): EventClassification {
  return classifyWatchEvent(plexWatchEvent(payload, { userId: 0, receivedAt: new Date() }), config);
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
function isAllowedAccount(event: WatchEvent, allowList: string[]): boolean {
  const allowed = allowList.map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
  if (allowed.length === 0) return true;
  if (event.ownAccount && allowed.includes(SELF_ALLOW_ENTRY)) return true;
  const { account } = event;
  if (!account) return false;
  const title = account.name?.trim().toLowerCase();
  return allowed.some((entry) => entry === title || entry === account.id);
}
